// POST /api/clients/:client/predict for a detection model, against a real core: a tiny
// hand-weighted detector (a white square on black is an object; its box is one cell) is exported
// with the engine's exporters, described by detectionLabels and published as a job stores it. The
// answer is in COCO results shape, in the posted image's own pixels, whatever its size.

import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppError } from '../../src-shared/errors'
import type { DetectionPrediction, PredictionResult } from '../../src-shared/predictions'
import { DETECTION_OUTPUT_NAMES } from '../../src-shared/tasks/detection-output'
import { saveTfjsModel } from '../../src-main/engine/export/tfjs'
import { detectionLabels } from '../../src-main/engine/tasks/detection/labels'
import { MODEL_FILES } from '../../src-main/engine/worker/training-protocol'
import { writeJsonAtomically } from '../../src-main/platform/atomic-file'
import { localPaths } from '../../src-main/config/settings'
import { publishFolder } from '../../src-main/storage/publish-folder'
import { rawRequest, startTestServer, type TestServer } from './server-fixture'

const CLIENT = 'client2'
const BUCKET = 'training-server-model-client2'
const SIZE = 16
const STRIDE = 4

let server: TestServer
let scratch: string

/**
 * Heatmap of class 0 = sigmoid(20 × (cell brightness − 0.5)), class 1 never above 0.01; every box
 * one cell wide and high, centred in its cell. A bright cell is thus a 4×4 box in input pixels.
 */
function squareDetector(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3], name: 'image' })
  const cells = tf.layers
    .averagePooling2d({ poolSize: STRIDE, strides: STRIDE, name: 'cells' })
    .apply(input) as tf.SymbolicTensor
  const k = 20 / (3 * 255)
  const head = (name: string, kernel: number[][], bias: number[], activation?: 'sigmoid') =>
    tf.layers
      .conv2d({
        filters: bias.length,
        kernelSize: 1,
        name,
        ...(activation && { activation }),
        weights: [tf.tensor4d(kernel.flat(), [1, 1, 3, bias.length]), tf.tensor1d(bias)],
      })
      .apply(cells) as tf.SymbolicTensor
  const [heatmap, boxSize, centerOffset] = DETECTION_OUTPUT_NAMES
  return tf.model({
    inputs: input,
    outputs: [
      head(
        heatmap,
        [
          [k, 0],
          [k, 0],
          [k, 0],
        ],
        [-10, -5],
        'sigmoid',
      ),
      head(
        boxSize,
        [
          [0, 0],
          [0, 0],
          [0, 0],
        ],
        [1, 1],
      ),
      head(
        centerOffset,
        [
          [0, 0],
          [0, 0],
          [0, 0],
        ],
        [0.5, 0.5],
      ),
    ],
  })
}

async function storeModel(): Promise<void> {
  const folder = await mkdtemp(join(scratch, 'model-'))
  const model = squareDetector()
  try {
    await saveTfjsModel(model, folder)
    const labels = detectionLabels({
      classes: [
        { index: 0, categoryId: 12, name: 'square' },
        { index: 1, categoryId: 4, name: 'circle' },
      ],
      imageSize: SIZE,
      stride: STRIDE,
    })
    await writeJsonAtomically(join(folder, MODEL_FILES.labels), labels)
    await writeJsonAtomically(join(folder, MODEL_FILES.metrics), { note: 'hand-weighted' })
    await publishFolder({
      s3: server.core.s3,
      bucket: BUCKET,
      folder,
      createBucket: true,
      stagingId: 'detector',
      journalDir: localPaths(server.core.settings.home, CLIENT).commits,
    })
  } finally {
    model.dispose()
    await rm(folder, { recursive: true, force: true })
  }
}

/** Black, with a white rectangle over x ∈ [w/2, 3w/4), y ∈ [h/4, h/2): cell (row 1, col 2). */
function imageWithSquare(width: number, height: number): Promise<Buffer> {
  const square = {
    input: {
      create: {
        width: width / 4,
        height: height / 4,
        channels: 3 as const,
        background: '#ffffff',
      },
    },
    left: width / 2,
    top: height / 4,
  }
  return sharp({ create: { width, height, channels: 3, background: '#000000' } })
    .composite([square])
    .png()
    .toBuffer()
}

const predict = (body: Uint8Array, contentType: string, query = '') =>
  rawRequest(server.port, `/api/clients/${CLIENT}/predict${query}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  })

beforeAll(async () => {
  server = await startTestServer()
  scratch = await mkdtemp(join(server.home, '..', 'predict-detection-'))
  await storeModel()
}, 60_000)
afterAll(async () => {
  await server?.close()
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

describe('POST /api/clients/:client/predict with a detection model', () => {
  it.each([
    [64, 32],
    [36, 100],
  ])(
    'answers the box in the pixels of a %i×%i image',
    async (width, height) => {
      const res = await predict(await imageWithSquare(width, height), 'image/png')
      expect(res.status, res.text).toBe(200)
      const answer = res.json<PredictionResult>()
      expect(answer.task).toBe('obj_detection')
      expect(answer.model).toMatchObject({ bucket: BUCKET })
      const [box, ...rest] = answer.predictions as DetectionPrediction[]
      expect(rest).toEqual([])
      expect(box).toMatchObject({ category_id: 12, category: 'square' })
      expect(box?.score).toBeGreaterThan(0.9)
      const expected = [width / 2, height / 4, width / 4, height / 4]
      box?.bbox.forEach((value, i) => expect(value).toBeCloseTo(expected[i] ?? NaN, 4))
    },
    120_000,
  )

  it('answers in the pixels of the image as shown, EXIF orientation applied', async () => {
    // Shown 32×64 with the square at cell (1, 2); stored turned a quarter, tagged to turn back.
    const stored = await sharp(await imageWithSquare(32, 64))
      .rotate(270)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 100 })
      .toBuffer()
    expect((await sharp(stored).metadata()).width).toBe(64)
    const res = await predict(stored, 'image/jpeg')
    expect(res.status, res.text).toBe(200)
    const boxes = (res.json<PredictionResult>().predictions as DetectionPrediction[]).map(
      (p) => p.bbox,
    )
    expect(boxes).toHaveLength(1)
    boxes[0]?.forEach((value, i) => expect(value).toBeCloseTo([16, 16, 8, 16][i] ?? NaN, 4))
  }, 60_000)

  it('keeps at most `top` boxes, best first', async () => {
    // Two white squares: cells (row 1, col 2) and (row 3, col 0), the second one dimmer.
    const image = await sharp({
      create: { width: 32, height: 32, channels: 3, background: '#000000' },
    })
      .composite([
        { input: await imageWithSquare(32, 32), left: 0, top: 0 },
        {
          input: {
            create: { width: 8, height: 8, channels: 3, background: '#e0e0e0' },
          },
          left: 0,
          top: 24,
        },
      ])
      .png()
      .toBuffer()
    const all = (await predict(image, 'image/png')).json<PredictionResult>()
    const boxes = (all.predictions as DetectionPrediction[]).map((p) => p.bbox)
    expect(boxes).toEqual([
      [16, 8, 8, 8],
      [0, 24, 8, 8],
    ])
    const one = (await predict(image, 'image/png', '?top=1')).json<PredictionResult>()
    expect((one.predictions as DetectionPrediction[]).map((p) => p.bbox)).toEqual([[16, 8, 8, 8]])
  }, 60_000)

  it('refuses bodies that are not a readable image of an accepted type', async () => {
    const unsupported = await predict(Buffer.from('hello'), 'text/plain')
    expect(unsupported.status).toBe(415)
    const garbage = await predict(Buffer.from('not a png at all'), 'image/png')
    expect(garbage.status).toBe(400)
    expect(garbage.json<{ error: AppError }>().error.code).toBe('IMAGE_UNREADABLE')
    const badTop = await predict(await imageWithSquare(8, 8), 'image/png', '?top=101')
    expect(badTop.status).toBe(400)
    expect(badTop.json<{ error: AppError }>().error.field).toBe('top')
  }, 60_000)
})
