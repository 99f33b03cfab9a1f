import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { seededRandom } from '../../src-shared/seeded-random'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import type { ClassInfo, ClassificationItem } from '../../src-shared/validate-annotations'
import { decodeImageRgb } from '../../src-main/dataset/decode-image'
import { imageAugmenter } from '../../src-main/engine/data/augment-image'
import { imageBatch, type ImageSet } from '../../src-main/engine/data/image-batches'
import { selectBackend } from '../../src-main/engine/backend/select-backend'
import { trainClassifier } from '../../src-main/engine/tasks/classification/train-classifier'
import { decodeDataset, pixelStoreDir } from '../../src-main/engine/worker/decode-dataset'
import type {
  TrainingMessage,
  TrainingRequest,
} from '../../src-main/engine/worker/training-protocol'
import { syntheticImageSet } from '../engine/synthetic-images'

const CLASSES: ClassInfo[] = [
  { index: 0, categoryId: 1, name: 'horizontal' },
  { index: 1, categoryId: 2, name: 'vertical' },
  { index: 2, categoryId: 3, name: 'square' },
]
const SOURCE_SIZE = 24
const SIZE = 16

let root: string
let good: ClassificationItem[]

async function writePng(file: string, set: ImageSet, n: number): Promise<void> {
  const stride = set.size * set.size * 3
  await sharp(Buffer.from(set.pixels.subarray(n * stride, (n + 1) * stride)), {
    raw: { width: set.size, height: set.size, channels: 3 },
  })
    .png()
    .toFile(file)
}

/** A dataset folder of PNG files (24 px, decoded down to 16 px). */
async function writeDataset(dir: string, perClass: number, seed: number) {
  mkdirSync(join(dir, 'images'), { recursive: true })
  const set = syntheticImageSet(perClass, seed, SOURCE_SIZE)
  return Promise.all(
    Array.from({ length: set.count }, async (_, n) => {
      const fileName = `img-${String(n).padStart(3, '0')}.png`
      await writePng(join(dir, 'images', fileName), set, n)
      return { imageId: n, fileName, label: set.labels[n] as number }
    }),
  )
}

function request(overrides: Partial<TrainingRequest> = {}): TrainingRequest {
  return {
    datasetRoot: join(root, 'dataset'),
    classes: CLASSES,
    items: good,
    params: { ...DEFAULT_TRAIN_PARAMS, imageSize: SIZE, epochs: 3, batchSize: 8 },
    outDir: join(root, 'out'),
    cacheDir: join(root, 'cache'),
    ...overrides,
  }
}

const allRows = (count: number) => Array.from({ length: count }, (_, i) => i)

function values(tensor: tf.Tensor): Float32Array {
  try {
    return tensor.dataSync() as Float32Array
  } finally {
    tensor.dispose()
  }
}

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1 })
  tf.env().set('PROD', true)
  root = mkdtempSync(join(tmpdir(), 'decode-dataset-'))
  good = await writeDataset(join(root, 'dataset'), 6, 5)
  writeFileSync(join(root, 'dataset', 'images', 'broken.png'), 'this is not a png')
})

afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('decodeDataset', () => {
  it('decodes into the pixel cache once; a second run decodes nothing and batches the same', async () => {
    const messages: TrainingMessage[] = []
    const first = await decodeDataset(request(), (m) => messages.push(m), { size: SIZE })
    const firstBatch = values(first.set.batch(allRows(first.set.count)))
    first.close()
    expect(first).toMatchObject({ decoded: 18, fromCache: 0, skipped: [] })
    expect(first.set).toMatchObject({ count: 18, rowShape: [SIZE, SIZE, 3], images: true })
    expect(first.fileNames).toEqual(good.map((item) => item.fileName))
    expect([...first.set.labels]).toEqual(good.map((item) => item.label))
    expect(new Set(first.keys).size).toBe(18)
    expect(first.keys.every((key) => /^[0-9a-f]{64}$/.test(key))).toBe(true)
    expect(messages.filter((m) => m.type === 'progress').at(-1)).toEqual({
      type: 'progress',
      stage: 'training',
      unit: 'images',
      done: 18,
      total: 18,
    })
    const storeDir = pixelStoreDir(join(root, 'cache'), SIZE)
    expect(storeDir).toBe(join(root, 'cache', 'pixels', '16px-fill-rgb'))
    expect(readdirSync(storeDir).filter((f) => f.endsWith('.records'))).toHaveLength(1)

    const second = await decodeDataset(request(), () => {}, { size: SIZE })
    try {
      expect(second).toMatchObject({ decoded: 0, fromCache: 18 })
      expect(second.keys).toEqual(first.keys)
      expect(values(second.set.batch(allRows(second.set.count)))).toEqual(firstBatch)
    } finally {
      second.close()
    }
    // A read-only run adds no shard.
    expect(readdirSync(storeDir).filter((f) => f.endsWith('.records'))).toHaveLength(1)
  })

  it('batches exactly what decoding each file in memory gives, subsets and augmentation included', async () => {
    const stride = SIZE * SIZE * 3
    const pixels = new Uint8Array(good.length * stride)
    for (const [n, item] of good.entries())
      pixels.set(
        await decodeImageRgb(join(root, 'dataset', 'images', item.fileName), SIZE),
        n * stride,
      )
    const inMemory: ImageSet = {
      pixels,
      labels: Int32Array.from(good, (item) => item.label),
      count: good.length,
      size: SIZE,
    }
    const decoded = await decodeDataset(request(), () => {}, { size: SIZE })
    try {
      const order = [7, 0, 17, 3, 3, 12]
      expect(values(decoded.set.batch(order))).toEqual(values(imageBatch(inMemory, order)))
      const subset = decoded.set.select([5, 9, 2])
      expect(subset.count).toBe(3)
      expect([...subset.labels]).toEqual([5, 9, 2].map((i) => inMemory.labels[i]))
      expect(values(subset.batch([2, 0]))).toEqual(values(imageBatch(inMemory, [2, 5])))
      const augment = () => ({ augment: imageAugmenter(seededRandom(11)) })
      const augmented = values(subset.batch([1, 2], augment()))
      expect(augmented).toEqual(values(imageBatch(inMemory, [9, 2], augment())))
      expect(augmented).not.toEqual(values(imageBatch(inMemory, [9, 2])))
    } finally {
      decoded.close()
    }
    expect(() => decoded.set.batch([0])).toThrow(/closed/)
  })

  it('gives a changed file a new key and decodes only that one', async () => {
    const dir = join(root, 'changing')
    const items = await writeDataset(dir, 2, 8)
    const changing = request({ datasetRoot: dir, items, cacheDir: join(root, 'changing-cache') })
    const before = await decodeDataset(changing, () => {}, { size: SIZE })
    before.close()
    await writePng(join(dir, 'images', 'img-004.png'), syntheticImageSet(2, 99, SOURCE_SIZE), 4)
    const after = await decodeDataset(changing, () => {}, { size: SIZE })
    after.close()
    expect(after).toMatchObject({ decoded: 1, fromCache: 5 })
    expect(after.keys[4]).not.toBe(before.keys[4])
    expect(after.keys.filter((key, i) => key !== before.keys[i])).toHaveLength(1)
  })

  it('skips unreadable, missing, outside and mislabelled images with a warning each', async () => {
    const bad: ClassificationItem[] = [
      { imageId: 100, fileName: 'broken.png', label: 0 },
      { imageId: 101, fileName: 'missing.png', label: 1 },
      { imageId: 102, fileName: '../outside.png', label: 2 },
      { imageId: 103, fileName: good[0]?.fileName ?? '', label: 7 },
    ]
    const messages: TrainingMessage[] = []
    const decoded = await decodeDataset(
      request({ items: [...good, ...bad], maxBadImageShare: 0.25 }),
      (m) => messages.push(m),
      { size: SIZE },
    )
    decoded.close()
    expect(decoded.set.count).toBe(18)
    expect(decoded.fileNames).toEqual(good.map((item) => item.fileName))
    const skipped = Object.fromEntries(decoded.skipped.map((s) => [s.file, s.message]))
    expect(Object.keys(skipped).sort()).toEqual(
      ['../outside.png', 'broken.png', 'missing.png', good[0]?.fileName].sort(),
    )
    expect(skipped['broken.png']).toMatch(/broken\.png cannot be decoded: contains unsupported/)
    expect(skipped['missing.png']).toMatch(/missing\.png cannot be decoded: is missing/)
    expect(skipped['../outside.png']).toBe('../outside.png points outside images/')
    expect(skipped[good[0]?.fileName ?? '']).toMatch(/label 7 is not one of the 3 classes/)
    const warnings = messages.filter((m) => m.type === 'log' && m.level === 'warn')
    expect(warnings).toHaveLength(4)
    expect(messages.filter((m) => m.type === 'progress').at(-1)).toMatchObject({
      done: 22,
      total: 22,
    })

    const error = await decodeDataset(
      request({ items: [...good, ...bad], maxBadImageShare: 0.1 }),
      () => {},
      { size: SIZE },
    ).then(
      () => undefined,
      (thrown: unknown) => (thrown instanceof AppFailure ? thrown.error : thrown),
    )
    expect(error).toMatchObject({ code: 'TOO_MANY_BAD_IMAGES', details: { skipped: 4, total: 22 } })
  })

  it('refuses with CACHE_WRITE_FAILED when the cache folder cannot be written', async () => {
    writeFileSync(join(root, 'a-file'), '')
    const cacheDir = join(root, 'a-file', 'cache')
    const error = await decodeDataset(request({ cacheDir }), () => {}, { size: SIZE }).then(
      () => undefined,
      (thrown: unknown) => (thrown instanceof AppFailure ? thrown.error : thrown),
    )
    expect(error).toMatchObject({
      code: 'CACHE_WRITE_FAILED',
      details: { dir: pixelStoreDir(cacheDir, SIZE) },
    })
    expect(existsSync(join(root, 'a-file', 'cache'))).toBe(false)
  })
})

describe('training from a streamed set', () => {
  it('holds the same number of tensors after every epoch', async () => {
    const decoded = await decodeDataset(request(), () => {}, { size: SIZE })
    const tensorsAfterEpoch: number[] = []
    const before = tf.memory().numTensors
    try {
      const { model, epochs } = await trainClassifier({
        train: decoded.set.select(allRows(12)),
        val: decoded.set.select([12, 13, 14, 15, 16, 17]),
        numClasses: 3,
        params: { ...request().params, epochs: 3, augment: true, patience: 2 },
        callbacks: { onEpoch: () => tensorsAfterEpoch.push(tf.memory().numTensors) },
      })
      model.dispose()
      expect(epochs).toHaveLength(3)
    } finally {
      decoded.close()
    }
    expect(tensorsAfterEpoch).toHaveLength(3)
    expect(new Set(tensorsAfterEpoch).size).toBe(1)
    expect(tf.memory().numTensors).toBe(before)
  })
})
