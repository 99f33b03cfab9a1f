// An obj_detection job through the endpoint: interrupted after its first checkpoint it is
// reported resumable, `resume=<job id>` finishes it with every epoch in order and removes the
// checkpoint, and a resume after the dataset changed is refused with RESUME_NOT_POSSIBLE.

import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobResult, JobSummary } from '../../src-shared/job-events'
import { exists, interruptedJob } from '../http/interrupted-jobs'
import { rawRequest, startTestServer, streamLines, type TestServer } from '../http/server-fixture'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
  await server.seedDetectionClient('det', { images: 16, size: 48, seed: 5 })
}, 120_000)
afterAll(() => server?.close())

// No early stopping: the run is still going when it is interrupted.
const PARAMS = 'epochs=10&image_size=32&batch_size=8&seed=3&patience=0'
const progress = (extra: string) => `/progress?train_type=obj_detection&bucket_name=det&${extra}`

const interruptedRun = () =>
  interruptedJob(server, progress(`${PARAMS}&wait=false`), 'det', 1, 120_000)

describe('resuming obj_detection jobs', () => {
  it('an interrupted detection job is resumable and resume=<id> finishes it', async () => {
    const jobId = await interruptedRun()
    const record = (await rawRequest(server.port, `/api/jobs/${jobId}`)).json<JobSummary>()
    expect(record.result).toMatchObject({ state: 'interrupted', resumable: true })
    const reached = record.result?.checkpointEpoch ?? 0
    expect(reached).toBeGreaterThanOrEqual(1)

    const other = await rawRequest(server.port, progress(`resume=${jobId}&epochs=5`))
    expect(other.status).toBe(409)
    expect(other.json()).toMatchObject({
      error: { code: 'RESUME_NOT_POSSIBLE', details: { reason: 'params-differ' } },
    })

    const res = await rawRequest(server.port, progress(`resume=${jobId}`))
    expect(res.status).toBe(200)
    const result = streamLines(res.text).at(-1) as JobResult
    expect(result, JSON.stringify(result.error)).toMatchObject({
      state: 'done',
      Storing: 'Succesfull',
      resumeOf: jobId,
    })
    expect(result.metrics?.task).toBe('obj_detection')
    const epochs = result.metrics?.epochs ?? []
    expect(epochs.map((m) => m.epoch)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1))
    expect(epochs.every((m) => m.task === 'obj_detection')).toBe(true)
    expect(await exists(join(server.home, 'checkpoints', jobId))).toBe(false)
    expect(await exists(join(server.home, 'checkpoints', result.jobId))).toBe(false)
  }, 300_000)

  it('refuses to resume once the dataset changed, and keeps the checkpoint', async () => {
    const jobId = await interruptedRun()
    // Another dataset under the same client: its images and boxes differ.
    await server.seedDetectionClient('det', { images: 16, size: 48, seed: 6 })
    const res = await rawRequest(server.port, progress(`resume=${jobId}`))
    const result = streamLines(res.text).at(-1) as JobResult
    expect(result).toMatchObject({
      state: 'failed',
      error: { code: 'RESUME_NOT_POSSIBLE', details: { reason: 'dataset-changed' } },
    })
    expect(await exists(join(server.home, 'checkpoints', jobId, 'checkpoint.json'))).toBe(true)
  }, 300_000)
})
