// POST /api/clients/:client/predict and the model file downloads, against a real core: a tiny
// hand-weighted classifier (light vs dark images) is exported with the engine's exporter and
// published into the embedded store the way a job stores its model.

import { GetObjectCommand } from '@aws-sdk/client-s3'
import { request as httpRequest } from 'node:http'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppError } from '../../src-shared/errors'
import type { ModelFile } from '../../src-shared/job-events'
import { PREDICT_MAX_BYTES, type PredictionResult } from '../../src-shared/predictions'
import { saveTfjsModel } from '../../src-main/engine/export/tfjs'
import { MODEL_FILES, type LabelsFile } from '../../src-main/engine/worker/training-protocol'
import { writeJsonAtomically } from '../../src-main/platform/atomic-file'
import { localPaths } from '../../src-main/config/settings'
import { publishFolder } from '../../src-main/storage/publish-folder'
import { rawRequest, startTestServer, type TestServer } from './server-fixture'

const CLIENT = 'client0'
const BUCKET = 'training-server-model-client0'
const SIZE = 8

let server: TestServer
let scratch: string
let white: Buffer
let black: Buffer

/** Mean brightness above mid-grey → class index 0, below → class index 1. */
function brightnessModel(): tf.LayersModel {
  const w = 0.02
  return tf.sequential({
    layers: [
      tf.layers.globalAveragePooling2d({ inputShape: [SIZE, SIZE, 3] }),
      tf.layers.dense({
        units: 2,
        activation: 'softmax',
        weights: [
          tf.tensor2d([
            [w, -w],
            [w, -w],
            [w, -w],
          ]),
          tf.tensor1d([-w * 3 * 127.5, w * 3 * 127.5]),
        ],
      }),
    ],
  })
}

/** Exports the model with these class names and publishes it as one set, like a job does. */
async function storeModel(names: [string, string], stagingId: string): Promise<void> {
  const folder = await mkdtemp(join(scratch, 'model-'))
  const model = brightnessModel()
  try {
    await saveTfjsModel(model, folder)
    const labels: LabelsFile = {
      task: 'classification',
      classes: [
        { index: 0, categoryId: 7, name: names[0] },
        { index: 1, categoryId: 3, name: names[1] },
      ],
      inputSize: [SIZE, SIZE, 3],
      inputRange: [0, 255],
      channels: 'RGB',
      resizeMode: 'fill',
    }
    await writeJsonAtomically(join(folder, MODEL_FILES.labels), labels)
    await writeJsonAtomically(join(folder, MODEL_FILES.metrics), { note: 'hand-weighted' })
    await publishFolder({
      s3: server.core.s3,
      bucket: BUCKET,
      folder,
      createBucket: true,
      stagingId,
      journalDir: localPaths(server.core.settings.home, 'client0').commits,
    })
  } finally {
    model.dispose()
    await rm(folder, { recursive: true, force: true })
  }
}

const predict = (body: Uint8Array, contentType: string, query = '') =>
  rawRequest(server.port, `/api/clients/${CLIENT}/predict${query}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  })

async function bucketObject(key: string): Promise<Buffer> {
  const got = await server.core.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
  return Buffer.from(
    await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  )
}

/** A request that only declares its length: the server must answer before any body is sent. */
function declaredOnly(length: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path: `/api/clients/${CLIENT}/predict`,
        method: 'POST',
        headers: {
          host: `127.0.0.1:${server.port}`,
          'content-type': 'image/png',
          'content-length': String(length),
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          req.destroy()
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })
        })
      },
    )
    req.on('error', reject)
    req.flushHeaders()
  })
}

beforeAll(async () => {
  server = await startTestServer()
  scratch = await mkdtemp(join(server.home, '..', 'predict-'))
  const solid = (value: number) =>
    sharp({
      create: { width: 30, height: 20, channels: 3, background: { r: value, g: value, b: value } },
    })
  white = await solid(250).png().toBuffer()
  black = await solid(5).jpeg().toBuffer()
}, 60_000)
afterAll(async () => {
  await server?.close()
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

describe('POST /api/clients/:client/predict', () => {
  it('answers 404 NO_MODEL while the model bucket holds no model', async () => {
    const res = await predict(white, 'image/png')
    expect(res.status).toBe(404)
    expect(res.json<{ error: AppError }>().error.code).toBe('NO_MODEL')
  })

  it('predicts with the stored model, keeping it loaded between calls', async () => {
    await storeModel(['light', 'dark'], 'first')
    const first = await predict(white, 'image/png')
    expect(first.status, first.text).toBe(200)
    const lightAnswer = first.json<PredictionResult>()
    expect(lightAnswer.predictions.map((p) => [p.category_id, p.category])).toEqual([
      [7, 'light'],
      [3, 'dark'],
    ])
    const [best, second] = lightAnswer.predictions
    expect(best?.score).toBeGreaterThan(0.99)
    expect(second?.score).toBeLessThan(0.01)
    expect(lightAnswer.model).toMatchObject({ bucket: BUCKET })
    expect(lightAnswer.model.etag).toMatch(/^[0-9a-f]+$/)

    const dark = await predict(black, 'image/jpeg; charset=binary', '?top=1')
    expect(dark.status, dark.text).toBe(200)
    expect(dark.json<PredictionResult>().predictions).toEqual([
      { category_id: 3, category: 'dark', score: expect.any(Number) as number },
    ])
    expect(server.core.predictor.modelLoads).toBe(1)
  }, 120_000)

  it('picks up a newly stored model and drops the old cached copy', async () => {
    const before = (await predict(white, 'image/png')).json<PredictionResult>()
    await storeModel(['bright', 'dim'], 'second')
    const res = await predict(white, 'image/png')
    expect(res.status, res.text).toBe(200)
    const after = res.json<PredictionResult>()
    expect(after.predictions[0]).toMatchObject({ category_id: 7, category: 'bright' })
    expect(after.model.etag).not.toBe('')
    expect(server.core.predictor.modelLoads).toBe(2)
    const cached = await readdir(join(server.home, 'cache', 'models', CLIENT))
    expect(cached.filter((name) => !name.startsWith('.'))).toHaveLength(1)
    expect(before.predictions[0]?.category).toBe('light')
  }, 120_000)

  it('refuses bodies that are not a readable image of an accepted type and size', async () => {
    const unsupported = await predict(Buffer.from('hello'), 'text/plain')
    expect(unsupported.status).toBe(415)
    expect(unsupported.json<{ error: AppError }>().error.code).toBe('UNSUPPORTED_MEDIA_TYPE')

    const empty = await predict(new Uint8Array(0), 'image/png')
    expect(empty.status).toBe(400)
    expect(empty.json<{ error: AppError }>().error.code).toBe('IMAGE_UNREADABLE')

    const garbage = await predict(Buffer.from('not a png at all'), 'image/png')
    expect(garbage.status).toBe(400)
    expect(garbage.json<{ error: AppError }>().error.code).toBe('IMAGE_UNREADABLE')

    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>')
    const vector = await predict(svg, 'image/png')
    expect(vector.status).toBe(400)

    const badTop = await predict(white, 'image/png', '?top=0')
    expect(badTop.status).toBe(400)
    expect(badTop.json<{ error: AppError }>().error.field).toBe('top')
  }, 60_000)

  it('answers 413 from the declared length, and while reading a body that declares none', async () => {
    const declared = await declaredOnly(PREDICT_MAX_BYTES + 1)
    expect(declared.status).toBe(413)
    expect(declared.body).toContain('PAYLOAD_TOO_LARGE')

    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          path: `/api/clients/${CLIENT}/predict`,
          method: 'POST',
          headers: { host: `127.0.0.1:${server.port}`, 'content-type': 'image/png' },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
          req.destroy()
        },
      )
      // The server may close the connection before the whole body is written.
      req.on('error', () => undefined)
      const chunk = Buffer.alloc(1024 * 1024)
      let sent = 0
      const more = () => {
        while (sent <= PREDICT_MAX_BYTES) {
          sent += chunk.length
          if (!req.write(chunk)) return void req.once('drain', more)
        }
        req.end()
      }
      more()
      setTimeout(() => reject(new Error('no answer')), 30_000).unref()
    })
    expect(chunked).toBe(413)
  }, 60_000)
})

describe('GET /api/clients/:client/models/:key', () => {
  it('streams a listed model file as an attachment, byte for byte', async () => {
    const listed = (await rawRequest(server.port, `/api/clients/${CLIENT}/models`)).json<
      ModelFile[]
    >()
    expect(listed.map((file) => file.key)).toContain('weights.bin')
    const res = await new Promise<{
      status: number
      headers: Record<string, unknown>
      body: Buffer
    }>((resolve, reject) => {
      httpRequest(
        {
          host: '127.0.0.1',
          port: server.port,
          path: `/api/clients/${CLIENT}/models/weights.bin`,
          headers: { host: `127.0.0.1:${server.port}` },
        },
        (answer) => {
          const chunks: Buffer[] = []
          answer.on('data', (c: Buffer) => chunks.push(c))
          answer.on('end', () =>
            resolve({
              status: answer.statusCode ?? 0,
              headers: answer.headers,
              body: Buffer.concat(chunks),
            }),
          )
        },
      )
        .on('error', reject)
        .end()
    })
    expect(res.status).toBe(200)
    expect(res.headers['content-disposition']).toBe('attachment; filename="weights.bin"')
    expect(res.body.equals(await bucketObject('weights.bin'))).toBe(true)

    const labels = await rawRequest(server.port, `/api/clients/${CLIENT}/models/labels.json`)
    expect(labels.text).toBe((await bucketObject('labels.json')).toString('utf8'))
  })

  it('refuses keys the listing does not show', async () => {
    for (const key of ['nope.bin', '.staging/first/model.json', '..%2Fmodel.json']) {
      const res = await rawRequest(server.port, `/api/clients/${CLIENT}/models/${key}`)
      expect(res.status, key).toBe(404)
      expect(res.json<{ error: AppError }>().error.code, key).toBe('MODEL_FILE_NOT_FOUND')
    }
  })
})
