// What goes wrong on a fleet, on a real Redis with three real worker processes: /interrupt
// reaches the worker holding the job (any server may be asked) and nothing is uploaded; the job
// lock keeps being renewed while a CPU-bound training runs; a worker killed mid-job is noticed by
// BullMQ's stalled-job checker and the job fails with WORKER_LOST, the client is free again and
// the other workers go on.

import { ListObjectsCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FleetWorkerView, FleetWorkersResponse } from '../../src-shared/fleet-workers'
import type { JobSummary } from '../../src-shared/job-events'
import { FAST_PARAMS, rawRequest, type TestServer } from '../http/server-fixture'
import { startFleet, streamProgress, until, type Fleet, type ProgressStream } from './fleet-fixture'

/** Long enough to still be training when the test acts on it. */
const LONG_PARAMS = 'epochs=200&patience=100&image_size=32&batch_size=4'

let fleet: Fleet
let one: TestServer
let two: TestServer

beforeAll(async () => {
  fleet = await startFleet({ lockMs: 1000 })
  const workers = [await fleet.startWorker(), await fleet.startWorker(), await fleet.startWorker()]
  one = await fleet.startServer()
  two = await fleet.startServer()
  for (const client of ['gamma', 'delta', 'epsilon']) await one.seedClient(client)
  await Promise.all(workers.map((worker) => worker.ready))
}, 180_000)

afterAll(async () => {
  await fleet?.stop()
}, 60_000)

const progress = (client: string, params: string) =>
  `/progress?train_type=classification&bucket_name=${client}&${params}`

/** Resolves with the id of the worker that took the job, once the job trains. */
async function training(stream: ProgressStream): Promise<string> {
  await until(
    () => stream.lines.some((line) => line.type === 'stage' && line.state === 'training'),
    90_000,
    'the job to train',
  )
  const taken = stream.lines.find((line) => typeof line.worker === 'string')
  return taken?.worker as string
}

async function modelObjects(client: string): Promise<number> {
  try {
    const listed = await one.core.s3.send(
      new ListObjectsCommand({ Bucket: `training-server-model-${client}` }),
    )
    return listed.Contents?.length ?? 0
  } catch {
    return 0
  }
}

async function workerView(id: string): Promise<FleetWorkerView | undefined> {
  const listed = (await rawRequest(one.port, '/api/workers')).json<FleetWorkersResponse>()
  return listed.workers.find((worker) => worker.id === id)
}

describe('a fleet when things go wrong', () => {
  it('interrupts a job from another server within 2 s; nothing is uploaded', async () => {
    const stream = streamProgress(one.port, progress('gamma', LONG_PARAMS))
    await training(stream)
    const asked = Date.now()
    const res = await rawRequest(two.port, '/interrupt?bucket_name=gamma')
    const took = Date.now() - asked
    expect(res.status).toBe(200)
    expect(res.json<JobSummary>().state, res.text).toBe('interrupted')
    expect(took).toBeLessThan(2500)
    const lines = await stream.done
    expect(lines.at(-1)).toMatchObject({ state: 'interrupted', Storing: 'Skipped' })
    expect(await modelObjects('gamma')).toBe(0)
  }, 150_000)

  it('keeps renewing the job lock while training runs; a killed worker ends its job with WORKER_LOST', async () => {
    const doomed = streamProgress(one.port, progress('delta', LONG_PARAMS))
    const victimId = await training(doomed)
    const survivor = streamProgress(two.port, progress('epsilon', FAST_PARAMS))

    // Lock renewal runs on the worker's main thread while training fills its worker thread.
    const before = await until(() => workerView(victimId), 10_000, 'the worker in the registry')
    await new Promise((resolve) => setTimeout(resolve, 6000))
    const after = await until(
      async () => {
        const view = await workerView(victimId)
        return view && view.updatedAt !== before.updatedAt ? view : undefined
      },
      10_000,
      'the registry to refresh',
    )
    expect(after.job?.client).toBe('delta')
    expect(after.lockRenewals - before.lockRenewals).toBeGreaterThanOrEqual(3)
    expect(doomed.lines.some((line) => 'result' in line || line.type === 'result')).toBe(false)

    const victim = fleet.workers.find((worker) => victimId.includes(`-${worker.proc.pid}-`))
    expect(victim).toBeDefined()
    const killed = Date.now()
    victim!.proc.kill('SIGKILL')
    const lines = await doomed.done
    const noticedMs = Date.now() - killed
    expect(lines.at(-1)).toMatchObject({
      state: 'failed',
      Storing: 'Skipped',
      error: { code: 'WORKER_LOST' },
    })
    // Lock life 1 s, stalled checks every 1 s: noticed within a few seconds, not minutes.
    expect(noticedMs).toBeLessThan(20_000)
    expect(await modelObjects('delta')).toBe(0)

    // The other workers go on, and the client is free for a new job.
    expect((await survivor.done).at(-1)).toMatchObject({ state: 'done' })
    const again = await streamProgress(one.port, progress('delta', FAST_PARAMS)).done
    expect(again.at(-1)).toMatchObject({ state: 'done' })
    const rerun = again.find((line) => typeof line.worker === 'string')
    expect(rerun?.worker).not.toBe(victimId)
  }, 240_000)
})
