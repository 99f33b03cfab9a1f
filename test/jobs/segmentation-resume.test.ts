// An instance_segmentation job through the endpoint: interrupted after its first checkpoint it is
// reported resumable, and `resume=<job id>` finishes it with every epoch, the segmenter's own
// metrics for the ones before the pause included.

import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobResult, JobSummary } from '../../src-shared/job-events'
import { exists, interruptedJob } from '../http/interrupted-jobs'
import { rawRequest, startTestServer, streamLines, type TestServer } from '../http/server-fixture'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
  await server.seedSegmentationClient('seg', { images: 12, size: 48, seed: 4 })
}, 120_000)
afterAll(() => server?.close())

const PARAMS = 'epochs=8&image_size=32&batch_size=6&seed=2&patience=0'
const progress = (extra: string) =>
  `/progress?train_type=instance_segmentation&bucket_name=seg&${extra}`

describe('resuming instance_segmentation jobs', () => {
  it('an interrupted segmentation job is resumable and resume=<id> finishes it', async () => {
    const jobId = await interruptedJob(server, progress(`${PARAMS}&wait=false`), 'seg', 1, 120_000)
    const record = (await rawRequest(server.port, `/api/jobs/${jobId}`)).json<JobSummary>()
    expect(record.result).toMatchObject({ state: 'interrupted', resumable: true })
    expect(record.params.task).toBe('instance_segmentation')

    const res = await rawRequest(server.port, progress(`resume=${jobId}`))
    const result = streamLines(res.text).at(-1) as JobResult
    expect(result, JSON.stringify(result.error)).toMatchObject({
      state: 'done',
      resumeOf: jobId,
    })
    const epochs = result.metrics?.epochs ?? []
    expect(epochs.map((m) => m.epoch)).toEqual(Array.from({ length: 8 }, (_, i) => i + 1))
    expect(epochs.every((m) => m.task === 'instance_segmentation')).toBe(true)
    expect(await exists(join(server.home, 'checkpoints', result.jobId))).toBe(false)
  }, 300_000)
})
