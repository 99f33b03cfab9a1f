// An obj_detection job through the endpoint: the request is taken (no 501), the detection
// dataset validates with its boxes, and the job reaches the engine with its task. While the engine
// has no detection module, the worker refuses it (NOT_IMPLEMENTED, naming the task); once it has
// one, the run must finish with detection metrics. A dataset asked to train as the other kind of
// model fails with TRAIN_TYPE_MISMATCH, before training.

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
  await server.seedDetectionClient('det')
  await server.seedClient('cls')
}, 120_000)
afterAll(() => server?.close())

const progress = (query: string) => rawRequest(server.port, `/progress?${query}`)

describe('obj_detection jobs', () => {
  it('takes the request, validates the boxes and hands the job to the engine as detection', async () => {
    const res = await progress(
      'train_type=obj_detection&bucket_name=det&epochs=2&image_size=64&batch_size=8',
    )
    expect(res.status).toBe(200)
    const lines = streamLines(res.text)
    const first = lines[0] as JobEvent
    expect(first).toMatchObject({ type: 'stage', state: 'queued', trainType: 'obj_detection' })
    const events = lines.slice(0, -1) as JobEvent[]
    const report = events.find((e) => e.type === 'report')
    expect(report?.type === 'report' && report.report.ok).toBe(true)
    expect(report?.type === 'report' && report.report.stats.negativeImages).toBeGreaterThanOrEqual(
      0,
    )
    const states = events.flatMap((e) => (e.type === 'stage' ? [e.state] : []))
    expect(states).toContain('training')
    const result = lines.at(-1) as JobResult
    if (taskModule('obj_detection') === undefined) {
      // The engine's detection module is not there yet: the worker says so, for this task.
      expect(result).toMatchObject({ state: 'failed', Training: 'Failed' })
      expect(result.error).toMatchObject({
        code: 'NOT_IMPLEMENTED',
        details: { trainType: 'obj_detection' },
      })
      return
    }
    expect(result).toMatchObject({ state: 'done', Training: 'Succesfull', Storing: 'Succesfull' })
    const metrics = result.metrics
    expect(metrics?.task).toBe('obj_detection')
    if (metrics?.task !== 'obj_detection') return
    expect(metrics.epochs).toHaveLength(2)
    expect(metrics.epochs.every((e) => e.task === 'obj_detection')).toBe(true)
    expect(Number.isFinite(metrics.finalValMap50)).toBe(true)
    expect(result.promotion?.new).toMatchObject({ task: 'obj_detection' })
    expect(result.promotion?.new.valMap50).toEqual(expect.any(Number))
  }, 300_000)

  it('refuses a detection dataset asked for as classification, naming the train type', async () => {
    const { result } = failedStream(await progress('train_type=classification&bucket_name=det'))
    expect(result.Training).toBe('Failed')
    expect(result.error).toMatchObject({
      code: 'TRAIN_TYPE_MISMATCH',
      field: 'train_type',
      message: expect.stringContaining('train_type=obj_detection'),
    })
    expect(result.report?.findings.map((f) => f.code)).toContain('TRAIN_TYPE_MISMATCH')
  }, 60_000)

  it('refuses a classification dataset asked for as obj_detection', async () => {
    const { result } = failedStream(await progress('train_type=obj_detection&bucket_name=cls'))
    expect(result.error).toMatchObject({
      code: 'TRAIN_TYPE_MISMATCH',
      message: expect.stringContaining('train_type=classification'),
    })
  }, 60_000)
})
