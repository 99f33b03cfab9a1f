// The detector's training loop on a tiny set of drawn squares: the loss falls, validation mAP@.5
// rises above chance within a few epochs, epochs report detection metrics, and a stop request ends
// the run with INTERRUPTED.

import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../../src-shared/errors'
import { seededRandom } from '../../../src-shared/seeded-random'
import type { DetectionEpochMetrics } from '../../../src-shared/tasks/detection-metrics'
import { DEFAULT_TRAIN_PARAMS } from '../../../src-shared/train-params'
import { imageSamples } from '../../../src-main/engine/data/image-batches'
import {
  trainDetector,
  type DetectionBox,
  type DetectionSet,
} from '../../../src-main/engine/tasks/detection/train-detector'
import { setUpWasmBackend } from '../kernel-comparison'

const SIZE = 64
const COLOURS = [
  [230, 40, 40],
  [40, 90, 230],
] as const

/** Images of noise with one or two solid squares (class = colour), and their boxes. */
function squares(count: number, seed: number): DetectionSet {
  const random = seededRandom(seed)
  const pixels = new Uint8Array(count * SIZE * SIZE * 3)
  const boxes: DetectionBox[][] = []
  for (let n = 0; n < count; n++) {
    const base = n * SIZE * SIZE * 3
    for (let i = 0; i < SIZE * SIZE * 3; i++) pixels[base + i] = 90 + Math.floor(random() * 40)
    const own: DetectionBox[] = []
    for (let k = 0; k < 1 + (n % 2); k++) {
      const side = 14 + Math.floor(random() * 10)
      const x = k * 32 + Math.floor(random() * (32 - side))
      const y = Math.floor(random() * (SIZE - side))
      const classIndex = Math.floor(random() * 2)
      for (let py = y; py < y + side; py++)
        for (let px = x; px < x + side; px++)
          pixels.set(COLOURS[classIndex] as readonly number[], base + (py * SIZE + px) * 3)
      own.push({ classIndex, bbox: [x, y, side, side], iscrowd: 0 })
    }
    boxes.push(own)
  }
  return {
    images: imageSamples({ pixels, labels: new Int32Array(count), count, size: SIZE }),
    boxes,
  }
}

const params = {
  ...DEFAULT_TRAIN_PARAMS,
  imageSize: SIZE,
  epochs: 8,
  batchSize: 8,
  learningRate: 3e-3,
  augment: false,
  patience: 0,
}

beforeAll(async () => {
  await setUpWasmBackend()
  await tf.setBackend('wasm')
})

describe('trainDetector', () => {
  it('lowers the loss and raises validation mAP@.5 on drawn squares', async () => {
    const epochs: DetectionEpochMetrics[] = []
    const before = tf.memory().numTensors
    const trained = await trainDetector({
      train: squares(24, 1),
      val: squares(8, 2),
      numClasses: 2,
      params,
      callbacks: { onEpoch: (m) => epochs.push(m) },
    })
    try {
      expect(epochs).toHaveLength(8)
      expect(epochs[0]).toMatchObject({ task: 'obj_detection', epoch: 1, epochs: 8 })
      const first = epochs[0] as DetectionEpochMetrics
      const last = epochs.at(-1) as DetectionEpochMetrics
      expect(last.loss).toBeLessThan(first.loss * 0.6)
      expect(last.heatmapLoss + last.boxLoss).toBeCloseTo(last.loss, 5)
      expect(Math.max(...epochs.map((m) => m.valMap50))).toBeGreaterThan(0.2)
      expect(trained.stride).toBe(4)
      expect(trained.model.outputNames).toEqual(['heatmap', 'box_size', 'center_offset'])
      // The kept weights are the best epoch's on validation mAP@.5.
      const best = Math.max(...epochs.map((m) => m.valMap50))
      expect(epochs[trained.bestEpoch - 1]?.valMap50).toBe(best)
    } finally {
      trained.model.dispose()
    }
    expect(tf.memory().numTensors).toBe(before)
  }, 240_000)

  it('ends with INTERRUPTED when asked to stop, and leaves no tensors', async () => {
    const before = tf.memory().numTensors
    let batches = 0
    const run = trainDetector({
      train: squares(8, 3),
      val: squares(2, 4),
      numClasses: 2,
      params: { ...params, epochs: 3, augment: true },
      callbacks: { onEpoch: () => undefined, onBatch: () => void batches++ },
      shouldStop: () => batches >= 1,
    })
    const error = await run.then(
      () => undefined,
      (thrown: unknown) => thrown,
    )
    expect(error).toBeInstanceOf(AppFailure)
    expect((error as AppFailure).error.code).toBe('INTERRUPTED')
    expect(tf.memory().numTensors).toBe(before)
  }, 120_000)
})
