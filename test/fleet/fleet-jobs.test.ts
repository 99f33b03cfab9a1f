// Distributed mode on a real Redis with real worker processes: one job per client across the
// fleet (a second server's request joins it, other parameters are refused), the same ordered
// event log on every server instance, where each job runs, and the worker list.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FleetWorkersResponse } from '../../src-shared/fleet-workers'
import type { JobSummary } from '../../src-shared/job-events'
import { FAST_PARAMS, rawRequest, type TestServer } from '../http/server-fixture'
import { startFleet, streamProgress, type Fleet } from './fleet-fixture'

let fleet: Fleet
let one: TestServer
let two: TestServer

beforeAll(async () => {
  fleet = await startFleet()
  const workers = [await fleet.startWorker(), await fleet.startWorker(), await fleet.startWorker()]
  one = await fleet.startServer()
  two = await fleet.startServer()
  await one.seedClient('alpha')
  await one.seedClient('beta')
  await Promise.all(workers.map((worker) => worker.ready))
}, 180_000)

afterAll(async () => {
  await fleet?.stop()
}, 60_000)

const progress = (client: string, params = FAST_PARAMS) =>
  `/progress?train_type=classification&bucket_name=${client}&${params}`

describe('distributed mode', () => {
  it('runs one job per client across the fleet: a second server joins it, other values are refused', async () => {
    const first = streamProgress(one.port, progress('alpha'))
    await first.status
    const second = streamProgress(two.port, progress('alpha'))
    const refused = await rawRequest(
      two.port,
      progress('alpha', 'epochs=3&image_size=32&batch_size=8'),
    )
    expect(refused.status).toBe(409)
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('CLIENT_BUSY')

    const [a, b] = await Promise.all([first.done, second.done])
    const resultA = a.at(-1) as { jobId: string; state: string }
    const resultB = b.at(-1) as { jobId: string; state: string }
    expect(resultA.state).toBe('done')
    expect(resultB.jobId).toBe(resultA.jobId)
    // Both servers read the one log: the same events in the same order, seq 0, 1, 2, …
    const events = (lines: Record<string, unknown>[]) => lines.slice(0, -1)
    expect(events(b)).toEqual(events(a))
    expect(events(a).map((event) => event.seq)).toEqual(events(a).map((_, i) => i))

    const summary = (await rawRequest(two.port, `/api/jobs/${resultA.jobId}`)).json<JobSummary>()
    expect(summary.worker).toMatch(/-\d+-[0-9a-f]{4}$/)
  }, 120_000)

  it('lists the workers with their host, backend and threads', async () => {
    const listed = (await rawRequest(one.port, '/api/workers')).json<FleetWorkersResponse>()
    expect(listed.distributed).toBe(true)
    expect(listed.workers).toHaveLength(3)
    for (const worker of listed.workers) {
      expect(worker.host).toBeTruthy()
      expect(worker.threads).toBeGreaterThan(0)
    }
    expect(listed.workers.some((worker) => worker.backend !== 'pending')).toBe(true)
  })
})

describe('distributed mode under load', () => {
  const CLIENTS = Array.from({ length: 20 }, (_, i) => `load${i}`)
  const ONE_EPOCH = 'epochs=1&image_size=32&batch_size=8'

  beforeAll(async () => {
    for (const client of CLIENTS)
      await one.seedClient(client, { classes: 2, imagesPerClass: 6, size: 32 })
  }, 180_000)

  it('200 concurrent /progress calls over 20 clients on two servers start exactly 20 jobs', async () => {
    const streams = Array.from({ length: 200 }, (_, i) =>
      streamProgress((i % 2 === 0 ? one : two).port, progress(CLIENTS[i % 20]!, ONE_EPOCH)),
    )
    const all = await Promise.all(streams.map((stream) => stream.done))
    const results = all.map((lines) => lines.at(-1) as { jobId?: string; state?: string })
    // Every stream got its result line, and each client ran one job that all its callers share.
    expect(results.every((result) => result.state === 'done')).toBe(true)
    const jobs = new Set(results.map((result) => result.jobId))
    expect(jobs.size).toBe(20)
    for (const [i, result] of results.entries())
      expect(result.jobId?.startsWith(`${CLIENTS[i % 20]}-`)).toBe(true)
  }, 600_000)
})
