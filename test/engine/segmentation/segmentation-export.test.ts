// The segmenter (the detector plus coefficient and prototype heads) through both exporters:
// model.h5 reloaded by the project's Keras loader and the TF.js model by tf.loadLayersModel give
// the five raw outputs of the model that was saved, in SEGMENTATION_OUTPUT_NAMES order.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SEGMENTATION_OUTPUT_NAMES } from '../../../src-shared/tasks/segmentation-output'
import { loadKerasH5 } from '../../../src-main/engine/backbone/load-keras-h5'
import { saveKerasH5 } from '../../../src-main/engine/export/keras-h5'
import { kerasDetectionTrainingConfig } from '../../../src-main/engine/export/keras-h5-layout'
import { saveTfjsModel } from '../../../src-main/engine/export/tfjs'
import { buildSegmenter } from '../../../src-main/engine/tasks/segmentation/model'

const SIZE = 32
let dir: string
let model: tf.LayersModel
let images: tf.Tensor4D

function maxDifference(a: tf.Tensor[], b: tf.Tensor[]): number {
  expect(b.map((t) => t.shape)).toEqual(a.map((t) => t.shape))
  return Math.max(
    ...a.map((t, i) =>
      tf.tidy(() => tf.max(tf.abs(tf.sub(t, b[i] as tf.Tensor))).dataSync()[0] ?? NaN),
    ),
  )
}

async function expectSameOutputs(loaded: tf.LayersModel): Promise<void> {
  const mine = model.predict(images) as tf.Tensor[]
  const theirs = loaded.predict(images) as tf.Tensor[]
  try {
    expect(loaded.outputNames).toEqual([...SEGMENTATION_OUTPUT_NAMES])
    expect(maxDifference(mine, theirs)).toBeLessThan(1e-5)
    // The mask heads are live: a reload that lost their weights would give zeros or a constant.
    const spread = tf.tidy(() => tf.moments(mine[4] as tf.Tensor).variance.dataSync()[0] ?? 0)
    expect(spread).toBeGreaterThan(0)
  } finally {
    tf.dispose([...mine, ...theirs])
    loaded.dispose()
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu')
  dir = mkdtempSync(join(tmpdir(), 'engine-segmentation-export-'))
  model = buildSegmenter({ imageSize: SIZE, numClasses: 2, seed: 5 })
  // Batch-norm statistics and biases away from their initial values, as training leaves them.
  model.weights.forEach((weight, i) => {
    const name = weight.originalName
    const range: [number, number] | undefined = /moving_variance|gamma/.test(name)
      ? [0.5, 1.5]
      : /moving_mean|beta|bias/.test(name)
        ? [-0.3, 0.3]
        : undefined
    if (range) weight.write(tf.randomUniform(weight.shape as number[], ...range, 'float32', i))
  })
  images = tf.randomUniform([2, SIZE, SIZE, 3], 0, 255, 'float32', 7)
})

afterAll(() => {
  images?.dispose()
  model?.dispose()
  rmSync(dir, { recursive: true, force: true })
})

describe('the segmenter’s exports', () => {
  it('model.h5 reloads into the same five raw outputs', async () => {
    const file = join(dir, 'model.h5')
    await saveKerasH5(model, file, kerasDetectionTrainingConfig(0.001))
    await expectSameOutputs(await loadKerasH5(file))
  })

  it('the TF.js model reloads into the same five raw outputs', async () => {
    const folder = join(dir, 'tfjs')
    await saveTfjsModel(model, folder)
    const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as tf.io.ModelJSON
    const weightData = readFileSync(join(folder, 'weights.bin'))
    await expectSameOutputs(
      await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0]?.weights,
          weightData: new Uint8Array(weightData).buffer,
        }),
      ),
    )
  })
})
