import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobResult, JobSummary } from '../../src-shared/job-events'
import { exists, interruptedJob } from './interrupted-jobs'
import { rawRequest, startTestServer, streamLines, type TestServer } from './server-fixture'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
  await Promise.all(
    ['client0', 'client1'].map((client, i) =>
      server.seedClient(client, { classes: 2, imagesPerClass: 10, size: 40, seed: i + 1 }),
    ),
  )
})
afterAll(() => server?.close())

const PARAMS = 'epochs=40&image_size=32&batch_size=8&seed=3'
const progress = (client: string, extra: string) =>
  `/progress?train_type=classification&bucket_name=${client}&${extra}`

/** Starts a long run and interrupts it once it has run more than `epochs` epochs. */
const interruptedRun = (client: string, epochs: number) =>
  interruptedJob(server, progress(client, `${PARAMS}&wait=false`), client, epochs + 1, 90_000)

describe('resume=<job id>', () => {
  it('continues an interrupted run to a stored model and removes its checkpoint', async () => {
    const jobId = await interruptedRun('client0', 2)
    const record = (await rawRequest(server.port, `/api/jobs/${jobId}`)).json<JobSummary>()
    expect(record.result).toMatchObject({ state: 'interrupted', resumable: true })
    const reached = record.result?.checkpointEpoch ?? 0
    expect(reached).toBeGreaterThanOrEqual(2)

    // Other parameters, another client and an unknown job are refused before anything runs.
    const other = await rawRequest(server.port, progress('client0', `resume=${jobId}&epochs=5`))
    expect(other.status).toBe(409)
    expect(other.json()).toMatchObject({
      error: { code: 'RESUME_NOT_POSSIBLE', details: { reason: 'params-differ' } },
    })
    const foreign = await rawRequest(server.port, progress('client1', `resume=${jobId}`))
    expect(foreign.json()).toMatchObject({
      error: { code: 'RESUME_NOT_POSSIBLE', details: { reason: 'other-client' } },
    })
    const unknown = await rawRequest(server.port, progress('client0', 'resume=client0-nope'))
    expect(unknown.json()).toMatchObject({
      error: { code: 'RESUME_NOT_POSSIBLE', details: { reason: 'unknown-job' } },
    })

    // The same parameters (or none) are fine; the run goes on from the checkpoint. Fewer epochs
    // would be refused, so the rest of the 40 are trained; that is quick at this size.
    const res = await rawRequest(server.port, progress('client0', `resume=${jobId}&${PARAMS}`))
    expect(res.status).toBe(200)
    const lines = streamLines(res.text)
    const result = lines.at(-1) as JobResult
    expect(result, JSON.stringify(result.error)).toMatchObject({
      state: 'done',
      Storing: 'Succesfull',
      resumeOf: jobId,
    })
    const epochs = result.metrics?.epochs.map((m) => m.epoch) ?? []
    // Every epoch, the ones before the pause included (early stopping may end it before 40).
    expect(epochs.slice(0, reached + 1)).toEqual(
      Array.from({ length: reached + 1 }, (_, i) => i + 1),
    )
    expect(epochs).toEqual(Array.from({ length: epochs.length }, (_, i) => i + 1))
    expect(await exists(join(server.home, 'checkpoints', jobId))).toBe(false)
    expect(await exists(join(server.home, 'checkpoints', result.jobId))).toBe(false)
    // Once continued, the old job has no checkpoint to resume any more.
    const twice = await rawRequest(server.port, progress('client0', `resume=${jobId}`))
    expect(twice.json()).toMatchObject({
      error: { code: 'RESUME_NOT_POSSIBLE', details: { reason: 'no-checkpoint' } },
    })
  })

  it('refuses to resume once the dataset changed, and keeps the checkpoint', async () => {
    const jobId = await interruptedRun('client1', 1)
    await server.seedClient('client1', { classes: 2, imagesPerClass: 11, size: 40, seed: 9 })
    const res = await rawRequest(server.port, progress('client1', `resume=${jobId}`))
    expect(res.status).toBe(200)
    const result = streamLines(res.text).at(-1) as JobResult
    expect(result).toMatchObject({
      state: 'failed',
      error: { code: 'RESUME_NOT_POSSIBLE', details: { reason: 'dataset-changed' } },
    })
    expect(await exists(join(server.home, 'checkpoints', jobId, 'checkpoint.json'))).toBe(true)

    // Discarded on request: gone, and no longer resumable.
    const discard = `/api/jobs/${jobId}/discard-checkpoint`
    const first = await rawRequest(server.port, discard, { method: 'POST' })
    expect(first.status).toBe(200)
    expect(first.json()).toEqual({ discarded: true })
    expect(await exists(join(server.home, 'checkpoints', jobId))).toBe(false)
    const again = await rawRequest(server.port, discard, { method: 'POST' })
    expect(again.json()).toEqual({ discarded: false })
    const gone = await rawRequest(server.port, progress('client1', `resume=${jobId}`))
    expect(gone.status).toBe(409)
    expect(gone.json()).toMatchObject({
      error: { code: 'RESUME_NOT_POSSIBLE', details: { reason: 'no-checkpoint' } },
    })
  })
})
