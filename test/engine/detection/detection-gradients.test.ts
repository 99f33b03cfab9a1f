// The detector's whole training graph differentiated on wasm against cpu: the full loss of a
// small detector on a small batch, its gradient with respect to every trainable weight, and each
// within 1e-4 relative error of the cpu backend's. A kernel missing on wasm fails this first.

import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-shared/seeded-random'
import { buildDetector, DETECTOR_STRIDE } from '../../../src-main/engine/tasks/detection/model'
import { detectionTargets } from '../../../src-main/engine/tasks/detection/targets'
import {
  detectionLoss,
  disposeTargets,
  targetTensors,
} from '../../../src-main/engine/tasks/detection/loss'
import { relativeError, RELATIVE_TOLERANCE, setUpWasmBackend } from '../kernel-comparison'

const SIZE = 32
const CLASSES = 3

beforeAll(setUpWasmBackend)

function gradientsOn(backend: string, weights: Float32Array[], pixels: Float32Array) {
  tf.setBackend(backend)
  const model = buildDetector({ imageSize: SIZE, numClasses: CLASSES, seed: 3 })
  try {
    model.setWeights(
      model.getWeights().map((w, i) => tf.tensor(weights[i] as Float32Array, w.shape)),
    )
    const targets = targetTensors(
      detectionTargets(
        [
          [
            { classIndex: 0, bbox: [2, 3, 12, 9], iscrowd: 0 },
            { classIndex: 2, bbox: [16, 14, 10, 15], iscrowd: 0 },
            { classIndex: 1, bbox: [0, 20, 8, 8], iscrowd: 1 },
          ],
          [{ classIndex: 1, bbox: [9, 9, 18, 13], iscrowd: 0 }],
        ],
        { inputSize: SIZE, stride: DETECTOR_STRIDE, classes: CLASSES },
      ),
    )
    try {
      const images = tf.tensor4d(pixels, [2, SIZE, SIZE, 3])
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable)
      const { value, grads } = tf.variableGrads(() => {
        const outputs = model.apply(images, { training: true }) as tf.Tensor[]
        return detectionLoss(outputs, targets).total
      }, variables)
      const result = {
        loss: value.dataSync()[0] as number,
        grads: variables.map((v) => grads[v.name]?.dataSync() as Float32Array),
      }
      images.dispose()
      value.dispose()
      Object.values(grads).forEach((g) => g.dispose())
      return result
    } finally {
      disposeTargets(targets)
    }
  } finally {
    model.dispose()
  }
}

describe('detector gradients on wasm', () => {
  it('match the cpu backend for every trainable weight', async () => {
    await tf.setBackend('cpu')
    const seedModel = buildDetector({ imageSize: SIZE, numClasses: CLASSES, seed: 3 })
    const weights = seedModel.getWeights().map((w) => w.dataSync().slice() as Float32Array)
    seedModel.dispose()
    const random = seededRandom(11)
    const pixels = Float32Array.from({ length: 2 * SIZE * SIZE * 3 }, () => random() * 255)
    const cpu = gradientsOn('cpu', weights, pixels)
    await tf.setBackend('wasm')
    const wasm = gradientsOn('wasm', weights, pixels)
    expect(Number.isFinite(cpu.loss)).toBe(true)
    expect(Math.abs(wasm.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThan(RELATIVE_TOLERANCE)
    expect(wasm.grads.length).toBe(cpu.grads.length)
    expect(cpu.grads.length).toBeGreaterThan(20)
    cpu.grads.forEach((expected, i) => {
      expect(expected, `gradient ${i}`).toBeDefined()
      expect(relativeError(expected, wasm.grads[i] as Float32Array), `gradient ${i}`).toBeLessThan(
        RELATIVE_TOLERANCE,
      )
    })
  }, 60_000)
})
