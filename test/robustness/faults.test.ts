// Faults while a job runs: the store unreachable from the start or going away mid-sync, uploads
// that fail or are interrupted (the model bucket never holds half a set, and the model can be sent
// again without training), and the training worker dying. Each time the job ends with a clear
// error, nothing half-done is taken for complete, and the server goes on.

import { mkdtemp, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppError } from '../../src-shared/errors'
import type { JobResult, JobSummary } from '../../src-shared/job-events'
import { listObjects } from '../../src-main/storage/bucket-objects'
import { startEmbeddedS3, type EmbeddedS3 } from '../../src-main/storage/embedded-s3'
import { isMirrorComplete } from '../../src-main/storage/mirror-bucket'
import { mirrorBucket } from '../../src-main/storage/mirror-bucket'
import { uploadFolder } from '../../src-main/storage/upload-folder'
import {
  failedStream,
  rawRequest,
  startTestServer,
  until,
  type TestServer,
} from '../http/server-fixture'
import { closedPort, startStore } from '../storage/store-fixture'
import {
  eventOf,
  filesUnder,
  lastLine,
  resultOf,
  stageReached,
  steerCommands,
  STORE_KEYS,
  useStoreCredentials,
} from './fault-fixture'
import { classificationMetrics } from '../../src-shared/tasks/task-metrics'

const base = process.env.TRAINING_SERVER_HOME ?? ''
const FAST = 'epochs=1&image_size=16&batch_size=8'
const errorOf = (res: { json<T>(): T }) => res.json<{ error: AppError }>().error
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  )

describe('the store unreachable when a job starts', () => {
  let server: TestServer
  let restoreEnv: () => void
  beforeAll(async () => {
    restoreEnv = useStoreCredentials()
    const port = await closedPort()
    server = await startTestServer({ env: { AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` } })
  })
  afterAll(async () => {
    await server?.close()
    restoreEnv?.()
  })

  it('fails the job at once with S3_UNREACHABLE as the last line of the stream and mirrors nothing', async () => {
    const started = Date.now()
    const res = await rawRequest(
      server.port,
      `/progress?train_type=classification&bucket_name=client0&${FAST}`,
    )
    expect(Date.now() - started).toBeLessThan(15_000)
    const { result } = failedStream(res)
    expect(result.error?.code).toBe('S3_UNREACHABLE')
    expect(result.error?.message).toMatch(/cannot be reached/)
    expect(result).toMatchObject({ state: 'failed', Training: 'Failed', Storing: 'Skipped' })
    expect(await isMirrorComplete(join(server.home, 'train_data', 'client0'))).toBe(false)
    // The server itself carries on, and says what is wrong where the store is needed.
    expect((await rawRequest(server.port, '/api/jobs')).status).toBe(200)
    expect((await rawRequest(server.port, '/')).status).toBe(200)
    const clients = await rawRequest(server.port, '/api/clients')
    expect(clients.status).toBe(502)
    expect(errorOf(clients).code).toBe('S3_UNREACHABLE')
  }, 30_000)
})

describe('the store going away in the middle of a sync', () => {
  let store: EmbeddedS3
  let storeDir: string
  let server: TestServer
  let restoreEnv: () => void
  beforeAll(async () => {
    storeDir = await mkdtemp(join(base, 'store-'))
    store = await startEmbeddedS3({ directory: storeDir, port: 0, credentials: STORE_KEYS })
    restoreEnv = useStoreCredentials()
    server = await startTestServer({ env: { AWS_ENDPOINT_URL_S3: store.endpoint } })
    await server.seedClient('client0', { classes: 2, imagesPerClass: 40, size: 24 })
  })
  afterAll(async () => {
    await server?.close()
    await store?.close()
    restoreEnv?.()
    await rm(storeDir, { recursive: true, force: true })
  })

  it('fails the job clearly, leaves the mirror incomplete, and the next run repairs it', async () => {
    const steer = steerCommands(server.core.s3)
    // Slow downloads, so the store can be stopped with part of the dataset on disk.
    steer.delay = (command) => (command === 'GetObjectCommand' ? 60 : 0)
    const { job } = server.core.jobs.start({
      client: 'client0',
      trainType: 'classification',
      params: { epochs: 1, imageSize: 16 },
    })
    await eventOf(job, (e) => e.type === 'progress' && e.stage === 'syncing' && e.done >= 10)
    await store.close()
    const failed = await resultOf(job, 60_000)
    expect(failed).toMatchObject({ state: 'failed', Training: 'Failed', Storing: 'Skipped' })
    expect(failed.error?.code).toBe('S3_UNREACHABLE')
    expect(failed.error?.message).toMatch(/cannot be reached/)
    const dataset = join(server.home, 'train_data', 'client0')
    const partial = await filesUnder(dataset)
    expect(partial.length).toBeGreaterThan(0)
    expect(partial.length).toBeLessThan(81)
    expect(await isMirrorComplete(dataset)).toBe(false)
    // Nothing was trained on the half-mirrored dataset.
    expect(job.log.all().some((e) => e.type === 'stage' && e.state === 'training')).toBe(false)

    // The store comes back where it was; the next run finishes the mirror and trains.
    store = await startEmbeddedS3({
      directory: storeDir,
      port: Number(new URL(store.endpoint).port),
      credentials: STORE_KEYS,
    })
    steer.delay = () => 0
    const res = await rawRequest(
      server.port,
      `/progress?train_type=classification&bucket_name=client0&${FAST}`,
    )
    expect(lastLine(res.text)).toMatchObject({ state: 'done', Storing: 'Succesfull' })
    expect(await isMirrorComplete(dataset)).toBe(true)
    expect(await filesUnder(dataset)).toHaveLength(81)
  }, 120_000)
})

describe('uploads that fail or are interrupted', () => {
  let server: TestServer
  let steer: ReturnType<typeof steerCommands>
  const workers: Worker[] = []
  const onWorker = (worker: Worker) => workers.push(worker)
  beforeAll(async () => {
    server = await startTestServer({ env: { TRAINING_SERVER_CONCURRENCY: '2' } })
    steer = steerCommands(server.core.s3)
    await server.seedClient('client0')
    await server.seedClient('client1')
    process.on('worker', onWorker)
  })
  afterAll(async () => {
    process.off('worker', onWorker)
    await server?.close()
  })

  const modelBucket = (client: string) => `training-server-model-${client}`
  /** Every object of the bucket, staged ones included, with its ETag. */
  const objectsOf = async (client: string) =>
    (await listObjects(server.core.s3, modelBucket(client)).catch(() => [])).map(
      ({ key, etag }) => ({ key, etag }),
    )
  /** The stored model's keys: the root ones, not the runs' kept copies. */
  const rootKeys = (objects: { key: string }[]) =>
    objects.map((o) => o.key).filter((key) => !key.startsWith('runs/'))
  const MODEL_KEYS = ['labels.json', 'metrics.json', 'model.h5', 'model.json', 'weights.bin']
  const weights = (client: string) => join(server.home, 'weights', client)
  let trained: JobResult

  it('keeps the model on disk when the upload fails, and puts nothing in the bucket', async () => {
    steer.failing.add('PutObjectCommand')
    const res = await rawRequest(
      server.port,
      `/progress?train_type=classification&bucket_name=client0&${FAST}`,
    )
    trained = lastLine(res.text)
    expect(trained).toMatchObject({ state: 'failed', Training: 'Succesfull', Storing: 'Failed' })
    expect(trained.error?.code).toBe('UPLOAD_FAILED')
    expect(trained.localModelDir).toBe(weights('client0'))
    expect(await exists(join(weights('client0'), 'model.h5'))).toBe(true)
    expect(await objectsOf('client0')).toEqual([])
  }, 120_000)

  it('retries the upload without training, by GET /retry-upload and by the API', async () => {
    const workersBefore = workers.length
    // Still failing: the retry fails too and keeps the model where it was.
    const again = await rawRequest(server.port, '/retry-upload?bucket_name=client0')
    expect(again.status).toBe(200)
    const failedRetry = lastLine(again.text)
    expect(failedRetry).toMatchObject({
      state: 'failed',
      Training: 'Skipped',
      Storing: 'Failed',
      retryOf: trained.jobId,
      localModelDir: weights('client0'),
    })
    const stages = again.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type?: string; state?: string })
      .filter((e) => e.type === 'stage')
      .map((e) => e.state)
    expect(stages).toEqual(['queued', 'uploading', 'failed'])

    steer.failing.clear()
    // Only the newest model on disk may go: that of the failed retry now.
    const stale = await rawRequest(server.port, `/api/jobs/${trained.jobId}/retry-upload`, {
      method: 'POST',
    })
    expect(stale.status).toBe(404)
    expect(errorOf(stale)).toMatchObject({
      code: 'NO_MODEL_TO_UPLOAD',
      details: { newest: failedRetry.jobId },
    })
    const crossSite = await rawRequest(server.port, `/api/jobs/${failedRetry.jobId}/retry-upload`, {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
    })
    expect(crossSite.status).toBe(403)
    const started = await rawRequest(server.port, `/api/jobs/${failedRetry.jobId}/retry-upload`, {
      method: 'POST',
    })
    expect(started.status).toBe(202)
    const summary = started.json<JobSummary>()
    expect(summary.retryOf).toBe(failedRetry.jobId)
    const job = server.core.jobs.liveJob(summary.id)
    const stored = job ? await resultOf(job) : undefined
    expect(stored).toMatchObject({ state: 'done', Training: 'Skipped', Storing: 'Succesfull' })
    expect(classificationMetrics(stored?.metrics)?.finalValAccuracy).toBe(
      classificationMetrics(trained.metrics)?.finalValAccuracy,
    )
    expect(rootKeys(stored?.modelKeys ?? [])).toEqual(MODEL_KEYS)
    expect(rootKeys(await objectsOf('client0'))).toEqual(MODEL_KEYS)
    expect(await exists(weights('client0'))).toBe(false)
    // Nothing was trained again.
    expect(workers.length).toBe(workersBefore)

    const done = await rawRequest(server.port, '/retry-upload?bucket_name=client0')
    expect(done.status).toBe(404)
    expect(errorOf(done).code).toBe('NO_MODEL_TO_UPLOAD')
    expect(errorOf(done).message).toMatch(/already uploaded/)
  }, 60_000)

  async function interruptMidUpload(client: string): Promise<JobResult> {
    // model.h5 uploads slowly; the other files are staged by the time the job is interrupted.
    steer.delay = (command, key) =>
      command === 'PutObjectCommand' && key?.endsWith('/model.h5') ? 3000 : 0
    try {
      const { job } = server.core.jobs.start({
        client,
        trainType: 'classification',
        params: { epochs: 1, imageSize: 16, seed: 7 },
      })
      await eventOf(job, (e) => e.type === 'progress' && e.stage === 'uploading' && e.done >= 3)
      const res = await rawRequest(server.port, `/interrupt?bucket_name=${client}`)
      expect(res.status).toBe(200)
      expect(res.json<JobSummary>().state).toBe('interrupted')
      return await resultOf(job)
    } finally {
      steer.delay = () => 0
    }
  }

  it('leaves the model bucket as it was when interrupted while uploading', async () => {
    const before = await objectsOf('client0')
    expect(rootKeys(before)).toEqual(MODEL_KEYS)
    const result = await interruptMidUpload('client0')
    expect(result).toMatchObject({
      state: 'interrupted',
      Training: 'Succesfull',
      Storing: 'Interrupted',
      localModelDir: weights('client0'),
    })
    // The previous set, untouched: no new file in it, nothing staged left behind.
    expect(await objectsOf('client0')).toEqual(before)
    // The interrupted model can still be sent, and then replaces the set as a whole (promoted
    // whatever it scores: one epoch may well be worse than the stored model).
    const res = await rawRequest(server.port, '/retry-upload?bucket_name=client0&promote=always')
    expect(lastLine(res.text)).toMatchObject({
      state: 'done',
      Storing: 'Succesfull',
      promoted: true,
    })
    const after = await objectsOf('client0')
    expect(rootKeys(after)).toEqual(MODEL_KEYS)
    expect(after.find((o) => o.key === 'model.h5')?.etag).not.toBe(
      before.find((o) => o.key === 'model.h5')?.etag,
    )
  }, 120_000)

  it('leaves a new model bucket empty when interrupted while uploading', async () => {
    const result = await interruptMidUpload('client1')
    expect(result.state).toBe('interrupted')
    expect(await objectsOf('client1')).toEqual([])
    expect((await rawRequest(server.port, '/api/clients/client1/models')).json()).toEqual([])
  }, 120_000)

  it('fails a job whose training worker dies with WORKER_DIED; other jobs go on', async () => {
    const count = workers.length
    const doomed = server.core.jobs.start({
      client: 'client0',
      trainType: 'classification',
      params: { epochs: 3, imageSize: 16 },
    }).job
    await stageReached(doomed, 'training')
    await until(() => workers.length > count)
    const healthy = server.core.jobs.start({
      client: 'client1',
      trainType: 'classification',
      params: { epochs: 1, imageSize: 16 },
    }).job
    await eventOf(doomed, (e) => e.type === 'progress' && e.stage === 'training')
    await workers[count]?.terminate()

    const died = await resultOf(doomed)
    expect(died).toMatchObject({ state: 'failed', Training: 'Failed', Storing: 'Skipped' })
    expect(died.error?.code).toBe('WORKER_DIED')
    expect(died.error?.message).toMatch(/training worker/)
    expect(await resultOf(healthy)).toMatchObject({ state: 'done', Storing: 'Succesfull' })
    expect((await rawRequest(server.port, '/api/jobs')).status).toBe(200)
    // The client can train again right away.
    const res = await rawRequest(
      server.port,
      `/progress?train_type=classification&bucket_name=client0&${FAST}`,
    )
    expect(lastLine(res.text).state).toBe('done')
  }, 120_000)
})

describe('many transfers at once', () => {
  it('raise no MaxListenersExceededWarning', async () => {
    const store = await startStore()
    const warnings: string[] = []
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`)
    process.on('warning', onWarning)
    try {
      const objects: Record<string, string> = {}
      for (let i = 0; i < 64; i++) objects[`images/${i}.txt`] = `object ${i}`.repeat(20)
      await store.createBucket('many')
      await store.putMany('many', objects)
      const job = new AbortController()
      const dest = join(await store.tempDir(), 'mirror')
      await mirrorBucket({
        s3: store.s3,
        bucket: 'many',
        dest,
        concurrency: 32,
        signal: job.signal,
      })
      await uploadFolder({
        s3: store.s3,
        bucket: 'many-copy',
        folder: dest,
        createBucket: true,
        concurrency: 32,
        signal: job.signal,
      })
      expect(await listObjects(store.s3, 'many-copy')).toHaveLength(64)
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings.filter((w) => w.includes('MaxListeners'))).toEqual([])
    } finally {
      process.off('warning', onWarning)
      await store.close()
    }
  })
})
