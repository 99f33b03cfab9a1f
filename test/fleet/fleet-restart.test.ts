// Redis restarted under a fleet: a job queued while no worker was free is still there afterwards
// (AOF, fsync every second, written in full on a clean shutdown), the server following it
// reconnects and streams it to its end, and a worker that was connected before a restart takes
// jobs again after it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FleetWorkersResponse } from '../../src-shared/fleet-workers'
import type { JobRecord } from '../../src-shared/job-events'
import { FAST_PARAMS, rawRequest, type TestServer } from '../http/server-fixture'
import { startFleet, streamProgress, until, type Fleet } from './fleet-fixture'

let fleet: Fleet
let server: TestServer

beforeAll(async () => {
  fleet = await startFleet()
  server = await fleet.startServer()
  await server.seedClient('zeta')
  await server.seedClient('eta')
}, 120_000)

afterAll(async () => {
  await fleet?.stop()
}, 60_000)

const progress = `/progress?train_type=classification&bucket_name=zeta&${FAST_PARAMS}`

describe('a fleet across a Redis restart', () => {
  it('takes an interrupted queued job off the queue, and the client is free again', async () => {
    const eta = `/progress?train_type=classification&bucket_name=eta&${FAST_PARAMS}`
    const queued = streamProgress(server.port, eta)
    await until(() => queued.lines.length > 0, 10_000, 'the queued line')
    const res = await rawRequest(server.port, '/interrupt?bucket_name=eta')
    expect(res.json<{ state: string }>().state).toBe('interrupted')
    expect((await queued.done).at(-1)).toMatchObject({ state: 'interrupted' })
    // BullMQ dropped the client's deduplication key with the job: a new one is a new job.
    const again = await rawRequest(server.port, `${eta}&wait=false`)
    expect(again.status).toBe(202)
    const first = queued.lines[0] as { jobId: string }
    expect(again.json<{ jobId: string }>().jobId).not.toBe(first.jobId)
    expect((await rawRequest(server.port, '/interrupt?bucket_name=eta')).status).toBe(200)
  }, 60_000)

  it('keeps a queued job and runs it once a worker comes; workers reconnect', async () => {
    // No worker yet: the job waits in the queue.
    const queued = streamProgress(server.port, progress)
    expect(await queued.status).toBe(200)
    await until(() => queued.lines.length > 0, 10_000, 'the queued line')
    await fleet.redis.restart()

    const worker = await fleet.startWorker()
    await worker.ready
    const lines = await queued.done
    expect(lines.at(-1)).toMatchObject({ state: 'done' })
    expect(lines[0]).toMatchObject({ type: 'stage', state: 'queued' })

    // The same worker, connected before this restart, takes the next job after it.
    await fleet.redis.restart()
    const next = await streamProgress(server.port, progress).done
    expect(next.at(-1)).toMatchObject({ state: 'done' })
    const taker = next.find((line) => typeof line.worker === 'string')
    expect(taker?.worker).toContain(`-${worker.proc.pid}-`)
  }, 240_000)

  it('stops a worker on SIGTERM once its job is done, and takes it off the worker list', async () => {
    const [worker] = fleet.workers
    const stream = streamProgress(server.port, progress)
    await until(
      () => stream.lines.some((line) => line.type === 'stage' && line.state === 'syncing'),
      60_000,
      'the job to start',
    )
    worker!.proc.kill('SIGTERM')
    const code = await new Promise<number | null>((resolve) => worker!.proc.once('exit', resolve))
    expect(code).toBe(0)
    // It finished the job it had before it went.
    expect((await stream.done).at(-1)).toMatchObject({ state: 'done' })
    const listed = (await rawRequest(server.port, '/api/workers')).json<FleetWorkersResponse>()
    expect(listed.workers.map((view) => view.pid)).not.toContain(worker!.proc.pid)
  }, 120_000)

  it('runs jobs in the app itself when the local worker setting is on', async () => {
    // No worker process is left: only the app's own worker can take the job.
    const app = await fleet.startServer({ TRAINING_SERVER_FLEET_LOCAL_WORKER: '1' })
    const lines = await streamProgress(app.port, progress).done
    expect(lines.at(-1)).toMatchObject({ state: 'done' })
    const taker = lines.find((line) => typeof line.worker === 'string')
    expect(taker?.worker).toContain(`-${process.pid}-`)
  }, 120_000)

  it('re-attaches a restarted server to the job it started, with its whole log', async () => {
    await fleet.startWorker().then((worker) => worker.ready)
    const first = await fleet.startServer()
    const long = '/progress?train_type=classification&bucket_name=eta&epochs=200&patience=100'
    const started = await rawRequest(first.port, `${long}&image_size=32&batch_size=4&wait=false`)
    const { jobId } = started.json<{ jobId: string }>()
    await first.close()

    const second = await fleet.startServer()
    const record = await until(
      async () => {
        const got = (await rawRequest(second.port, `/api/jobs/${jobId}`)).json<JobRecord>()
        return got.state === 'training' ? got : undefined
      },
      90_000,
      'the job to train',
    )
    expect(record.events[0]).toMatchObject({ type: 'stage', state: 'queued', jobId })
    const res = await rawRequest(second.port, '/interrupt?bucket_name=eta')
    expect(res.json<{ state: string }>().state).toBe('interrupted')
    const ended = (await rawRequest(second.port, `/api/jobs/${jobId}`)).json<JobRecord>()
    expect(ended.events.map((event) => event.seq)).toEqual(ended.events.map((_, i) => i))
    expect(ended.events.at(-1)).toMatchObject({ type: 'result' })
  }, 180_000)
})
