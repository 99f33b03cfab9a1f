// Transfer learning on wasm from a small MobileNet-style backbone that the test trains and saves
// itself, loaded back through the real loading path: the head learns from embeddings, a second
// run takes every embedding from the cache, fine-tuning moves only the opened layers, and the
// resulting single model predicts what the head does.

import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../src-shared/train-params'
import { openRecordStore } from '../../src-main/cache/record-store'
import { loadBackbone, type Backbone } from '../../src-main/engine/backbone/backbone-source'
import { embedImages } from '../../src-main/engine/data/embedding-set'
import { imageSamples, selectImages, type ImageSet } from '../../src-main/engine/data/image-batches'
import { selectBackend } from '../../src-main/engine/backend/select-backend'
import { splitStratified } from '../../src-main/engine/tasks/classification/train-classifier'
import {
  trainTransfer,
  type TrainedTransfer,
} from '../../src-main/engine/tasks/classification/train-transfer'
import { buildEmbedder } from '../../src-main/engine/tasks/classification/transfer-model'
import { buildMobileBackbone, pretrainMobileBackbone, saveMobileBackbone } from './mobile-backbone'
import { syntheticImageSet } from './synthetic-images'

const SIZE = 32
let dir: string
let backboneFile: string
const home = () => join(dir, 'home')

function rowKeys(set: ImageSet): string[] {
  const stride = SIZE * SIZE * 3
  return Array.from({ length: set.count }, (_, i) =>
    createHash('sha256')
      .update(set.pixels.subarray(i * stride, (i + 1) * stride))
      .digest('hex'),
  )
}

const whole = syntheticImageSet(16, 11, SIZE)
const split = splitStratified(whole.labels, 0.25, 3)
const trainImages = selectImages(whole, split.train)
const valImages = selectImages(whole, split.val)

function params(overrides: Partial<TrainParams> = {}): TrainParams {
  return {
    ...DEFAULT_TRAIN_PARAMS,
    architecture: 'transfer',
    backbone: backboneFile,
    imageSize: SIZE,
    epochs: 10,
    batchSize: 8,
    learningRate: 1e-2,
    patience: 0,
    ...overrides,
  }
}

async function run(
  backbone: Backbone,
  overrides: Partial<TrainParams> = {},
  cache = join(dir, 'embeddings'),
): Promise<TrainedTransfer> {
  return trainTransfer({
    backbone,
    train: imageSamples(trainImages),
    val: imageSamples(valImages),
    trainKeys: rowKeys(trainImages),
    valKeys: rowKeys(valImages),
    numClasses: 3,
    params: params(overrides),
    callbacks: { onEpoch: () => undefined },
    openEmbeddingStore: (recordBytes) => openRecordStore(cache, recordBytes),
  })
}

const load = () => loadBackbone(backboneFile, { home: home() })

beforeAll(async () => {
  await selectBackend('wasm')
  tf.env().set('PROD', true)
  dir = await mkdtemp(join(tmpdir(), 'engine-transfer-'))
  // No rescaling layer: the backbone expects [-1, 1], which the transfer model must supply.
  const model = buildMobileBackbone({ size: SIZE, seed: 2, rescaling: false })
  await pretrainMobileBackbone(model, 40, 8)
  backboneFile = await saveMobileBackbone(model, dir, 'tfjs')
  model.dispose()
}, 60_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('transfer learning with a frozen backbone', () => {
  it('learns from cached embeddings, and a second run never runs the backbone', async () => {
    const before = tf.memory().numTensors
    const backbone = await load()
    expect(backbone.inputScaling).toBe('symmetric')
    const first = await run(backbone)
    try {
      expect(first.embeddings).toMatchObject({ computed: whole.count, cached: 0 })
      expect(first.fineTuned).toEqual([])
      expect(first.epochs).toHaveLength(10)
      expect(first.epochs.at(-1)?.valAccuracy).toBeGreaterThanOrEqual(0.75)
      // One model from pixels to class probabilities.
      const input = imageSamples(valImages).batch([0, 1, 2, 3])
      const probs = first.model.predict(input) as tf.Tensor
      expect(probs.shape).toEqual([4, 3])
      tf.dispose([input, probs])
    } finally {
      first.model.dispose()
      backbone.model.dispose()
    }

    const again = await load()
    // Count every call into the backbone's layers: there must be none.
    let calls = 0
    for (const layer of again.model.layers) {
      const call = layer.call.bind(layer)
      layer.call = (inputs, kwargs) => {
        calls++
        return call(inputs, kwargs)
      }
    }
    const second = await run(again)
    try {
      expect(second.embeddings).toMatchObject({ computed: 0, cached: whole.count })
      expect(calls).toBe(0)
      // Same seed, same embeddings: the head trains exactly as before.
      expect(second.epochs.map((m) => m.valLoss)).toEqual(first.epochs.map((m) => m.valLoss))
    } finally {
      second.model.dispose()
      again.model.dispose()
    }
    expect(tf.memory().numTensors).toBe(before)
  }, 120_000)

  it('gives the same predictions as the head on the embeddings', async () => {
    const backbone = await load()
    const trained = await run(backbone, { epochs: 3 })
    const embedder = buildEmbedder(backbone)
    try {
      const embedded = await embedImages({
        embedder,
        images: imageSamples(valImages),
        keys: rowKeys(valImages),
        batchSize: 8,
      })
      const rows = Array.from({ length: valImages.count }, (_, i) => i)
      const images = imageSamples(valImages).batch(rows)
      const embeddings = embedded.set.batch(rows)
      const fromImages = trained.model.predict(images) as tf.Tensor
      const dense = trained.model.layers.at(-1) as tf.layers.Layer
      const fromEmbeddings = dense.apply(embeddings) as tf.Tensor
      const diff = tf.max(tf.abs(tf.sub(fromImages, fromEmbeddings)))
      expect(diff.dataSync()[0]).toBeLessThan(1e-5)
      tf.dispose([images, embeddings, fromImages, fromEmbeddings, diff])
    } finally {
      embedder.dispose()
      trained.model.dispose()
      backbone.model.dispose()
    }
  }, 60_000)
})

describe('fine-tuning the last backbone layers', () => {
  it('trains only the opened layers, keeps frozen statistics, and runs the extra epochs', async () => {
    const backbone = await load()
    const snapshot = new Map(
      backbone.model.layers.map((layer) => [
        layer.name,
        layer.getWeights().map((w) => w.dataSync().slice()),
      ]),
    )
    const trained = await run(backbone, { epochs: 4, fineTuneLayers: 2 }, join(dir, 'tuned'))
    try {
      expect(trained.fineTuned).toEqual(['block3_project', 'block3_project_bn'])
      expect(trained.fineTuneEpochs).toBe(2)
      expect(trained.epochs.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5, 6])
      expect(trained.epochs.every((m) => m.epochs === 6)).toBe(true)
      for (const layer of backbone.model.layers) {
        const was = snapshot.get(layer.name) ?? []
        const now = layer.getWeights().map((w) => w.dataSync())
        const changed = now.some((values, i) =>
          values.some((v, j) => Math.abs(v - (was[i]?.[j] ?? NaN)) > 0),
        )
        expect(changed, layer.name).toBe(trained.fineTuned.includes(layer.name))
      }
    } finally {
      trained.model.dispose()
      backbone.model.dispose()
    }
  }, 120_000)
})
