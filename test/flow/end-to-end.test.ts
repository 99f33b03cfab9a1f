// The seed's whole job, as a user would run it: one GET /progress on a demo client with the
// default parameters, then the stored model downloaded and checked on the dataset's own images.

import { GetObjectCommand } from '@aws-sdk/client-s3'
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CocoDocument } from '../../src-shared/coco'
import type { JobResult } from '../../src-shared/job-events'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { decodeImageRgb } from '../../src-main/dataset/decode-image'
import { loadKerasH5 } from '../../src-main/engine/backbone/load-keras-h5'
import { startEmbeddedS3, type EmbeddedS3 } from '../../src-main/storage/embedded-s3'
import { generateStoreCredentials } from '../../src-main/storage/store-credentials'
import { rawRequest, startTestServer, type TestServer } from '../http/server-fixture'
import { classificationMetrics } from '../../src-shared/tasks/task-metrics'

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

function lastLine(text: string): JobResult {
  return JSON.parse(text.trimEnd().split('\n').at(-1) ?? '') as JobResult
}

describe('the seed job end to end', () => {
  let server: TestServer
  let scratch: string
  beforeAll(async () => {
    // A first start: the demo clients are generated and uploaded into the embedded store.
    server = await startTestServer({ seedDemo: true })
    scratch = await mkdtemp(join(server.home, '..', 'flow-'))
  }, 120_000)
  afterAll(async () => {
    await server?.close()
    await rm(scratch, { recursive: true, force: true })
  })

  it('trains client0 with the default parameters and stores a model that does what its metrics say', async () => {
    const res = await rawRequest(
      server.port,
      '/progress?train_type=classification&bucket_name=client0',
    )
    expect(res.status).toBe(200)
    const result = lastLine(res.text)
    expect(result).toMatchObject({ state: 'done', Training: 'Succesfull', Storing: 'Succesfull' })
    expect(result.metrics?.epochs).toHaveLength(DEFAULT_TRAIN_PARAMS.epochs)
    expect(classificationMetrics(result.metrics)?.finalValAccuracy).toBeGreaterThanOrEqual(0.9)

    const keys = result.modelKeys?.map((k) => k.key) ?? []
    expect(keys).toEqual(
      expect.arrayContaining(['model.h5', 'model.json', 'labels.json', 'metrics.json']),
    )
    expect(await exists(join(server.home, 'weights', 'client0'))).toBe(false)

    const download = async (key: string) => {
      const got = await server.core.s3.send(
        new GetObjectCommand({ Bucket: 'training-server-model-client0', Key: key }),
      )
      return Buffer.from(await got.Body!.transformToByteArray())
    }
    const h5 = join(scratch, 'model.h5')
    await writeFile(h5, await download('model.h5'))
    const labels = JSON.parse((await download('labels.json')).toString('utf8')) as unknown
    const classNames = Array.isArray(labels)
      ? (labels as string[])
      : ((labels as { classes: (string | { name: string })[] }).classes ?? []).map((c) =>
          typeof c === 'string' ? c : c.name,
        )
    expect(classNames).toHaveLength(4)

    const model = await loadKerasH5(h5)
    try {
      const root = join(server.home, 'train_data', 'client0')
      const coco = JSON.parse(
        await readFile(join(root, 'coco', 'annotations.json'), 'utf8'),
      ) as CocoDocument
      const category = new Map(coco.categories.map((c) => [c.id, c.name]))
      const labelOf = new Map(
        coco.annotations.map((a) => [a.image_id, category.get(a.category_id)]),
      )
      const sample = coco.images.slice(0, 40)
      // The input size the job chose for this dataset, as labels.json states it.
      const size = (labels as { inputSize: [number, number, 3] }).inputSize[0]
      expect(size).toBe(DEFAULT_TRAIN_PARAMS.imageSize)
      const pixels = new Float32Array(sample.length * size * size * 3)
      for (const [i, image] of sample.entries())
        pixels.set(
          await decodeImageRgb(join(root, 'images', image.file_name), size),
          i * size * size * 3,
        )
      const predicted = tf.tidy(() => {
        const input = tf.tensor4d(pixels, [sample.length, size, size, 3])
        return (model.predict(input) as tf.Tensor).argMax(-1).dataSync()
      })
      const correct = sample.filter(
        (image, i) => classNames[predicted[i] ?? -1] === labelOf.get(image.id),
      )
      expect(correct.length / sample.length).toBeGreaterThanOrEqual(0.9)
    } finally {
      model.dispose()
    }
  }, 600_000)
})

describe('an upload that fails', () => {
  let store: EmbeddedS3
  let server: TestServer
  let storeDir: string
  const keys = generateStoreCredentials()
  const credentials = {
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  }
  beforeAll(async () => {
    storeDir = await mkdtemp(join(process.env.TRAINING_SERVER_HOME ?? '', 'store-'))
    store = await startEmbeddedS3({ directory: storeDir, port: 0, credentials: keys })
    // A configured (not embedded) S3 endpoint, so the test owns the store and can stop it.
    Object.assign(process.env, credentials)
    server = await startTestServer({ env: { AWS_ENDPOINT_URL_S3: store.endpoint } })
    await server.seedClient('client3')
  })
  afterAll(async () => {
    await server?.close()
    await store?.close()
    for (const name of Object.keys(credentials)) delete process.env[name]
    await rm(storeDir, { recursive: true, force: true })
  })

  it('keeps the trained model on disk and names it in the result', async () => {
    const started = await rawRequest(
      server.port,
      '/progress?train_type=classification&bucket_name=client3&epochs=2&image_size=32&wait=false',
    )
    const { jobId } = started.json<{ jobId: string }>()
    const job = server.core.jobs.liveJob(jobId)
    // The store goes away once training is over, right before the upload.
    await new Promise<void>((resolve) =>
      job?.log.subscribe((e) => {
        if (e.type === 'stage' && e.state === 'exporting') resolve()
      }),
    )
    await store.close()
    await new Promise<void>((resolve) =>
      job?.log.subscribe((e) => {
        if (e.type === 'result') resolve()
      }),
    )
    const result = job?.result
    const weights = join(server.home, 'weights', 'client3')
    expect(result).toMatchObject({ state: 'failed', Training: 'Succesfull', Storing: 'Failed' })
    expect(result?.error?.code).toBe('S3_UNREACHABLE')
    expect(result?.localModelDir).toBe(weights)
    expect(await exists(join(weights, 'model.h5'))).toBe(true)
    expect(await exists(join(weights, 'labels.json'))).toBe(true)
  }, 180_000)

  it('moves the unsent model aside on the next run instead of deleting it', async () => {
    // The store comes back where it was; the unsent model is still in the weights folder.
    store = await startEmbeddedS3({
      directory: storeDir,
      port: Number(new URL(store.endpoint).port),
      credentials: keys,
    })
    const res = await rawRequest(
      server.port,
      '/progress?train_type=classification&bucket_name=client3&epochs=1&image_size=32',
    )
    const lines = res.text.trimEnd().split('\n')
    const result = lastLine(res.text)
    expect(result).toMatchObject({ state: 'done', Storing: 'Succesfull' })
    const moved = lines.find((line) => line.includes('was never uploaded'))
    expect(moved).toBeDefined()
    const aside = join(server.home, 'unsent-models', 'client3')
    const [kept] = await readdir(aside)
    expect(kept).toBeDefined()
    expect(await exists(join(aside, kept ?? '', 'model.h5'))).toBe(true)
    expect(await exists(join(server.home, 'weights', 'client3'))).toBe(false)
  }, 180_000)
})
