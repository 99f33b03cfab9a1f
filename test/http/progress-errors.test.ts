import { readdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppError } from '../../src-shared/errors'
import type { AnnotationReport } from '../../src-shared/annotation-report'
import type { JobRecord } from '../../src-shared/job-events'
import {
  failedStream,
  rawRequest,
  startTestServer,
  streamLines,
  until,
  type TestServer,
} from './server-fixture'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server?.close())

const get = (path: string, headers?: Record<string, string>) =>
  rawRequest(server.port, path, { headers })

function errorOf(res: { json<T>(): T }): AppError {
  return res.json<{ error: AppError }>().error
}

describe('GET /progress refusals', () => {
  it('refuses a missing or unknown train_type with 400, listing the supported ones', async () => {
    for (const query of [
      'bucket_name=client0',
      'train_type=regression&bucket_name=client0',
      'train_type=',
    ]) {
      const res = await get(`/progress?${query}`)
      expect(res.status, query).toBe(400)
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
      const error = errorOf(res)
      expect(error).toMatchObject({ code: 'INVALID_TRAIN_TYPE', field: 'train_type' })
      expect(error.details?.supported).toEqual([
        'classification',
        'obj_detection',
        'instance_segmentation',
      ])
    }
  })

  it('holds instance_segmentation to its own parameter rules before any job exists', async () => {
    const base = '/progress?train_type=instance_segmentation&bucket_name=client0'
    const notMultiple = await get(`${base}&image_size=100`)
    expect(notMultiple.status).toBe(400)
    expect(errorOf(notMultiple)).toMatchObject({ code: 'INVALID_PARAMETER', field: 'imageSize' })
    const transfer = await get(`${base}&architecture=transfer`)
    expect(transfer.status).toBe(400)
    expect(errorOf(transfer)).toMatchObject({
      code: 'INVALID_PARAMETER',
      field: 'architecture',
      details: { supported: ['centernet'] },
    })
  })

  it('holds obj_detection to its own parameter rules before any job exists', async () => {
    const base = '/progress?train_type=obj_detection&bucket_name=client0'
    const notMultiple = await get(`${base}&image_size=100`)
    expect(notMultiple.status).toBe(400)
    expect(errorOf(notMultiple)).toMatchObject({ code: 'INVALID_PARAMETER', field: 'imageSize' })
    const classifier = await get(`${base}&architecture=cnn`)
    expect(classifier.status).toBe(400)
    expect(errorOf(classifier)).toMatchObject({
      code: 'INVALID_PARAMETER',
      field: 'architecture',
      details: { supported: ['centernet', 'transfer'] },
    })
    // A detector's architecture is no classifier's.
    const detector = await get(
      '/progress?train_type=classification&bucket_name=client0&architecture=centernet',
    )
    expect(detector.status).toBe(400)
    expect(errorOf(detector)).toMatchObject({ code: 'INVALID_PARAMETER', field: 'architecture' })
  })

  it('refuses every unsafe bucket_name with 400 and touches no folder', async () => {
    const before = await readdir(server.home)
    const beforeParent = await readdir(dirname(server.home))
    const names = [
      '../x',
      '/etc',
      '%2e%2e',
      '%252e%252e',
      '',
      'a'.repeat(300),
      'Client0',
      'client0%00',
      '..%2Fweights',
      'client0%2F..%2F..',
      '%20client0',
      'client_0',
      'client0-',
    ]
    for (const name of names) {
      const res = await get(`/progress?train_type=classification&bucket_name=${name}`)
      expect(res.status, name).toBe(400)
      expect(errorOf(res), name).toMatchObject({
        code: 'INVALID_CLIENT_NAME',
        field: 'bucket_name',
      })
    }
    const missing = await get('/progress?train_type=classification')
    expect(errorOf(missing)).toMatchObject({ code: 'INVALID_CLIENT_NAME', field: 'bucket_name' })
    expect(await readdir(server.home)).toEqual(before)
    expect(await readdir(dirname(server.home))).toEqual(beforeParent)
    expect(before).not.toContain('train_data')
    expect((await get('/api/jobs')).json()).toEqual({ jobs: [] })
  })

  it('refuses unknown and out-of-range training parameters with 400 and the range', async () => {
    const base = '/progress?train_type=classification&bucket_name=client0'
    const unknown = await get(`${base}&speed=fast`)
    expect(unknown.status).toBe(400)
    expect(errorOf(unknown)).toMatchObject({ code: 'INVALID_PARAMETER', field: 'speed' })
    const cases: [string, string, number, number][] = [
      ['epochs=0', 'epochs', 1, 500],
      ['epochs=1.5', 'epochs', 1, 500],
      ['epochs=ten', 'epochs', 1, 500],
      ['learning_rate=2', 'learning_rate', 1e-6, 1],
      ['image_size=4096', 'image_size', 16, 512],
      ['val_split=0.9', 'val_split', 0.05, 0.5],
    ]
    for (const [query, field, min, max] of cases) {
      const res = await get(`${base}&${query}`)
      expect(res.status, query).toBe(400)
      expect(errorOf(res), query).toMatchObject({
        code: 'INVALID_PARAMETER',
        field,
        details: { min, max },
      })
    }
    const twice = await get(`${base}&bucket_name=client1`)
    expect(errorOf(twice)).toMatchObject({ code: 'INVALID_PARAMETER', field: 'bucket_name' })
    const wait = await get(`${base}&wait=maybe`)
    expect(errorOf(wait)).toMatchObject({ code: 'INVALID_PARAMETER', field: 'wait' })
  })

  it('streams a missing bucket as the failed last line, after the job line', async () => {
    const res = await get('/progress?train_type=classification&bucket_name=nobody&epochs=1')
    const { first, result } = failedStream(res)
    expect(first).toMatchObject({ type: 'stage', state: 'queued', client: 'nobody' })
    expect(first.type === 'stage' && first.jobId).toBe(result.jobId)
    expect(result.error).toMatchObject({ code: 'BUCKET_NOT_FOUND' })
    expect(result).toMatchObject({ client: 'nobody', state: 'failed', Storing: 'Skipped' })
  })

  it('streams invalid annotations as the failed last line with the report, and trains nothing', async () => {
    await server.seedBrokenClient('broken')
    const res = await get('/progress?train_type=classification&bucket_name=broken&epochs=1')
    const { result } = failedStream(res)
    expect(result.error).toMatchObject({
      code: 'ANNOTATIONS_INVALID',
      file: 'coco/annotations.json',
    })
    const report = result.report as AnnotationReport
    expect(report.ok).toBe(false)
    expect(report.errors).toBeGreaterThan(0)
    expect(report.findings.map((f) => f.code)).toContain('UNKNOWN_CATEGORY_ID')
    expect(result).toMatchObject({ state: 'failed', Training: 'Failed', Storing: 'Skipped' })
    // The report is also a line of its own before the result.
    const lines = streamLines(res.text)
    expect(lines.some((l) => 'type' in l && l.type === 'report' && !l.report.ok)).toBe(true)
    // Nothing was trained or uploaded.
    expect(await readdir(server.home)).not.toContain('weights')
    expect((await get('/api/clients/broken/models')).json()).toEqual([])
  })

  it('streams a backbone that is not there as the failed last line', async () => {
    await server.seedClient('transfer')
    const backbone = encodeURIComponent(`${server.home}/no-such-backbone/model.json`)
    const res = await get(
      `/progress?train_type=classification&bucket_name=transfer&epochs=1&backbone=${backbone}`,
    )
    const { first, result } = failedStream(res)
    expect(first).toMatchObject({ type: 'stage', state: 'queued', client: 'transfer' })
    expect(result.error?.code).toMatch(/^BACKBONE_/)
    expect(result).toMatchObject({ state: 'failed', Training: 'Failed', Storing: 'Skipped' })
  })

  it('with wait=false answers 202 and leaves the failure in the job', async () => {
    const res = await get('/progress?train_type=classification&bucket_name=nobody2&wait=false')
    expect(res.status).toBe(202)
    const { jobId } = res.json<{ jobId: string }>()
    let job: JobRecord | undefined
    await until(async () => {
      job = (await get(`/api/jobs/${jobId}`)).json<JobRecord>()
      return job.state === 'failed'
    })
    expect(job?.result?.error?.code).toBe('BUCKET_NOT_FOUND')
    expect(job?.events.some((e) => e.type === 'error' && e.error.code === 'BUCKET_NOT_FOUND')).toBe(
      true,
    )
  })

  it('answers /interrupt without a job with 404 NO_ACTIVE_JOB and checks the name', async () => {
    const none = await get('/interrupt?bucket_name=client0')
    expect(none.status).toBe(404)
    expect(errorOf(none).code).toBe('NO_ACTIVE_JOB')
    const bad = await get('/interrupt?bucket_name=../x')
    expect(bad.status).toBe(400)
    expect(errorOf(bad).code).toBe('INVALID_CLIENT_NAME')
  })

  it('answers wrong methods and unknown routes with an error body', async () => {
    const post = await rawRequest(
      server.port,
      '/progress?train_type=classification&bucket_name=x',
      {
        method: 'POST',
      },
    )
    expect(post.status).toBe(405)
    expect(errorOf(post).code).toBe('METHOD_NOT_ALLOWED')
    const missing = await get('/nothing/here')
    expect(missing.status).toBe(404)
    expect(errorOf(missing).code).toBe('NOT_FOUND')
    const job = await get('/api/jobs/nope-123')
    expect(job.status).toBe(404)
    expect(errorOf(job).code).toBe('JOB_NOT_FOUND')
    const badId = await get('/api/jobs/..%2F..%2Fetc')
    expect(badId.status).toBe(400)
  })
})

describe('GET /progress transfer-learning parameters', () => {
  it.each([
    ['architecture=transfer', 'backbone', /needs a backbone/],
    ['backbone=ftp%3A%2F%2Fhost%2Fmodel.json', 'backbone', /not ftp:/],
    ['backbone=%2Fm%2Fmodel.json&architecture=reference', 'backbone', /only applies/],
    ['fine_tune_layers=3', 'fineTuneLayers', /only applies/],
    ['backbone=%2Fm%2Fmodel.json&fine_tune_layers=x', 'fine_tune_layers', /from 0 to 1000/],
  ])('refuses %s with 400 naming %s', async (query, field, message) => {
    const res = await get(`/progress?train_type=classification&bucket_name=client0&${query}`)
    expect(res.status).toBe(400)
    const error = errorOf(res)
    expect(error).toMatchObject({ code: 'INVALID_PARAMETER', field })
    expect(error.message).toMatch(message)
  })
})
