// An instance_segmentation job through the endpoint: the request is taken (no 501), the dataset
// validates with its masks, and the job reaches the engine with its task. While the engine has no
// segmentation module, the worker refuses it (NOT_IMPLEMENTED, naming the task); once it has one,
// the run must finish with segmentation metrics and be scored by mask mAP@.5. A dataset of the
// other shapes asked to train masks, or masks asked to train a classifier, fail with
// TRAIN_TYPE_MISMATCH before training.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobEvent, JobResult } from '../../src-shared/job-events'
import { taskModule } from '../../src-main/engine/tasks/registry'
import {
  failedStream,
  rawRequest,
  startTestServer,
  streamLines,
  type TestServer,
} from './server-fixture'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
  await server.seedSegmentationClient('seg')
  await server.seedDetectionClient('det')
  await server.seedClient('cls')
}, 120_000)
afterAll(() => server?.close())

const progress = (query: string) => rawRequest(server.port, `/progress?${query}`)

describe('instance_segmentation jobs', () => {
  it('takes the request, validates the masks and hands the job to the engine as segmentation', async () => {
    const res = await progress(
      'train_type=instance_segmentation&bucket_name=seg&epochs=2&image_size=64&batch_size=8',
    )
    expect(res.status).toBe(200)
    const lines = streamLines(res.text)
    const first = lines[0] as JobEvent
    expect(first).toMatchObject({
      type: 'stage',
      state: 'queued',
      trainType: 'instance_segmentation',
    })
    const events = lines.slice(0, -1) as JobEvent[]
    const report = events.find((e) => e.type === 'report')
    expect(report?.type === 'report' && report.report.ok).toBe(true)
    const states = events.flatMap((e) => (e.type === 'stage' ? [e.state] : []))
    expect(states).toContain('training')
    const result = lines.at(-1) as JobResult
    if (taskModule('instance_segmentation') === undefined) {
      // The engine's segmentation module is not there yet: the worker says so, for this task.
      expect(result).toMatchObject({ state: 'failed', Training: 'Failed' })
      expect(result.error).toMatchObject({
        code: 'NOT_IMPLEMENTED',
        details: { trainType: 'instance_segmentation' },
      })
      return
    }
    expect(result).toMatchObject({ state: 'done', Training: 'Succesfull', Storing: 'Succesfull' })
    const metrics = result.metrics
    expect(metrics?.task).toBe('instance_segmentation')
    if (metrics?.task !== 'instance_segmentation') return
    expect(metrics.epochs).toHaveLength(2)
    expect(metrics.epochs.every((e) => e.task === 'instance_segmentation')).toBe(true)
    expect(Number.isFinite(metrics.finalValMaskMap50)).toBe(true)
    expect(metrics.maskCoco.stats).toBeDefined()
    expect(result.promotion?.new).toMatchObject({ task: 'instance_segmentation' })
    expect(result.promotion?.new.valMap50).toBe(
      metrics.maskCoco.stats?.ap50 ?? metrics.finalValMaskMap50,
    )
  }, 300_000)

  it('refuses a segmentation dataset asked for as classification, naming the train type', async () => {
    const { result } = failedStream(await progress('train_type=classification&bucket_name=seg'))
    expect(result.Training).toBe('Failed')
    expect(result.error).toMatchObject({
      code: 'TRAIN_TYPE_MISMATCH',
      field: 'train_type',
      message: expect.stringContaining('train_type=instance_segmentation'),
    })
  }, 60_000)

  it('refuses a detection dataset (no masks) asked for as instance_segmentation', async () => {
    const { result } = failedStream(
      await progress('train_type=instance_segmentation&bucket_name=det'),
    )
    expect(result.error).toMatchObject({
      code: 'TRAIN_TYPE_MISMATCH',
      message: expect.stringContaining('train_type=obj_detection'),
    })
  }, 60_000)

  it('refuses a classification dataset asked for as instance_segmentation', async () => {
    const { result } = failedStream(
      await progress('train_type=instance_segmentation&bucket_name=cls'),
    )
    expect(result.error).toMatchObject({
      code: 'TRAIN_TYPE_MISMATCH',
      message: expect.stringContaining('train_type=classification'),
    })
  }, 60_000)

  it('refuses an image size the network cannot divide', async () => {
    const res = await progress('train_type=instance_segmentation&bucket_name=seg&image_size=72')
    expect(res.status).toBe(400)
    expect(res.json()).toMatchObject({ error: { code: 'INVALID_PARAMETER', field: 'imageSize' } })
  }, 60_000)
})
