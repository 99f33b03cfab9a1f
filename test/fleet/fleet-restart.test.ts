// Redis restarted under a fleet: a job queued while no worker was free is still there afterwards
// (AOF, fsync every second, written in full on a clean shutdown), the server following it
// reconnects and streams it to its end, and a worker that was connected before a restart takes
// jobs again after it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FAST_PARAMS, rawRequest, type TestServer } from '../http/server-fixture'
import { startFleet, streamProgress, until, type Fleet } from './fleet-fixture'

let fleet: Fleet
let server: TestServer

beforeAll(async () => {
  fleet = await startFleet()
  server = await fleet.startServer()
  await server.seedClient('zeta')
}, 120_000)

afterAll(async () => {
  await fleet?.stop()
}, 60_000)

const progress = `/progress?train_type=classification&bucket_name=zeta&${FAST_PARAMS}`

describe('a fleet across a Redis restart', () => {
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
    const listed = await rawRequest(server.port, '/api/workers')
    expect(listed.status).toBe(200)
  }, 240_000)
})
