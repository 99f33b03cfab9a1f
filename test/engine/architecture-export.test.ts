// Every architecture a job can train, trained briefly, exported as model.h5 and as TF.js files,
// loaded back from each, and compared with the trained model on the same images: the largest
// difference in any class probability stays below 1e-5.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../src-shared/train-params'
import { loadBackbone } from '../../src-main/engine/backbone/backbone-source'
import { loadLayersModelFile } from '../../src-main/engine/backbone/backbone-files'
import { saveKerasH5 } from '../../src-main/engine/export/keras-h5'
import { TFJS_MODEL_FILE, saveTfjsModel } from '../../src-main/engine/export/tfjs'
import { imageSamples, selectImages } from '../../src-main/engine/data/image-batches'
import { loadKerasH5 } from '../../src-main/engine/backbone/load-keras-h5'
import { selectBackend } from '../../src-main/engine/backend/select-backend'
import {
  splitStratified,
  trainClassifier,
} from '../../src-main/engine/tasks/classification/train-classifier'
import { trainTransfer } from '../../src-main/engine/tasks/classification/train-transfer'
import { buildMobileBackbone, pretrainMobileBackbone, saveMobileBackbone } from './mobile-backbone'
import { syntheticImageSet } from './synthetic-images'

const SIZE = 32
const set = syntheticImageSet(6, 5, SIZE)
const split = splitStratified(set.labels, 0.25, 1)
const train = imageSamples(selectImages(set, split.train))
const val = imageSamples(selectImages(set, split.val))
let dir: string
let backboneFile: string

function params(overrides: Partial<TrainParams>): TrainParams {
  return {
    ...DEFAULT_TRAIN_PARAMS,
    imageSize: SIZE,
    epochs: 2,
    batchSize: 6,
    patience: 0,
    ...overrides,
  }
}

async function trained(name: string): Promise<tf.LayersModel> {
  const callbacks = { onEpoch: () => undefined }
  if (name === 'cnn' || name === 'reference')
    return (
      await trainClassifier({
        train,
        val,
        numClasses: 3,
        params: params({ architecture: name }),
        callbacks,
      })
    ).model
  const backbone = await loadBackbone(backboneFile, { home: dir })
  try {
    const fineTuneLayers = name === 'transfer, fine-tuned' ? 3 : 0
    return (
      await trainTransfer({
        backbone,
        train,
        val,
        // No embedding cache here, so no content keys either.
        trainKeys: [],
        valKeys: [],
        numClasses: 3,
        params: params({ architecture: 'transfer', backbone: backboneFile, fineTuneLayers }),
        callbacks,
      })
    ).model
  } finally {
    backbone.model.dispose()
  }
}

function maxDifference(a: tf.LayersModel, b: tf.LayersModel): number {
  return tf.tidy(() => {
    const images = val.batch(Array.from({ length: val.count }, (_, i) => i))
    const difference = tf.max(
      tf.abs(tf.sub(a.predict(images) as tf.Tensor, b.predict(images) as tf.Tensor)),
    )
    return difference.dataSync()[0] as number
  })
}

beforeAll(async () => {
  await selectBackend('wasm')
  tf.env().set('PROD', true)
  dir = await mkdtemp(join(tmpdir(), 'engine-architectures-'))
  const backbone = buildMobileBackbone({ size: SIZE, seed: 3 })
  await pretrainMobileBackbone(backbone, 20, 6)
  backboneFile = await saveMobileBackbone(backbone, dir, 'tfjs')
  backbone.dispose()
}, 60_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe.each(['cnn', 'reference', 'transfer', 'transfer, fine-tuned'])('%s', (name) => {
  it('reloads from model.h5 and from TF.js files with the same predictions', async () => {
    const model = await trained(name)
    const out = join(dir, name.replace(/\W+/g, '-'))
    try {
      await saveKerasH5(model, join(out, 'model.h5'))
      await saveTfjsModel(model, out)
      const fromH5 = await loadKerasH5(join(out, 'model.h5'))
      const { model: fromTfjs } = await loadLayersModelFile(join(out, TFJS_MODEL_FILE))
      try {
        expect(fromH5.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name))
        expect(maxDifference(model, fromH5)).toBeLessThan(1e-5)
        expect(maxDifference(model, fromTfjs)).toBeLessThan(1e-5)
      } finally {
        fromH5.dispose()
        fromTfjs.dispose()
      }
    } finally {
      model.dispose()
    }
  }, 120_000)
})
