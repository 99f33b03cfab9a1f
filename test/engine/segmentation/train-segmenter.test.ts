// The segmenter's network and training loop on a tiny set of drawn discs and squares: outputs named
// and shaped as the contract says, the loss falls and validation mask mAP@.5 clears a low bar
// within a few epochs, and masks move with their pixels under augmentation.

import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-shared/seeded-random'
import {
  PROTOTYPE_COUNT,
  SEGMENTATION_OUTPUT_NAMES,
} from '../../../src-shared/tasks/segmentation-output'
import type { SegmentationEpochMetrics } from '../../../src-shared/tasks/segmentation-metrics'
import { DEFAULT_TRAIN_PARAMS } from '../../../src-shared/train-params'
import {
  drawBoxVariation,
  moveBoxes,
  renderBoxVariation,
} from '../../../src-main/engine/tasks/detection/augment-boxes'
import { moveMask } from '../../../src-main/engine/tasks/segmentation/augment-masks'
import { buildSegmenter } from '../../../src-main/engine/tasks/segmentation/model'
import {
  trainSegmenter,
  type SegmentationBox,
  type SegmentationSet,
} from '../../../src-main/engine/tasks/segmentation/train-segmenter'
import { setUpWasmBackend } from '../kernel-comparison'
import { drawnObjects } from '../trainer/drawn-objects'

const SIZE = 64
/** Noise with one or two shapes: class 0 a disc, class 1 a square, each with its mask. */
export function shapes(count: number, seed: number): SegmentationSet {
  return drawnObjects(count, seed, SIZE, 10)
}

beforeAll(async () => {
  await setUpWasmBackend()
  await tf.setBackend('wasm')
})

describe('the segmenter network', () => {
  it('has the detector’s outputs then coefficients and prototypes, at stride 4', () => {
    const model = buildSegmenter({ imageSize: SIZE, numClasses: 3, seed: 1 })
    try {
      expect(model.name).toBe('segmenter')
      expect(model.outputNames).toEqual([...SEGMENTATION_OUTPUT_NAMES])
      const cells = SIZE / 4
      expect(model.outputs.map((o) => o.shape)).toEqual([
        [null, cells, cells, 3],
        [null, cells, cells, 2],
        [null, cells, cells, 2],
        [null, cells, cells, PROTOTYPE_COUNT],
        [null, cells, cells, PROTOTYPE_COUNT],
      ])
    } finally {
      model.dispose()
    }
  })
})

describe('masks under augmentation', () => {
  it('move with the pixels: a mask drawn as an image and moved as one matches the moved mask', () => {
    const set = shapes(8, 5)
    const random = seededRandom(9)
    for (let n = 0; n < 8; n++) {
      // Tone changes aside (masks ignore them), the image's own variation.
      const variation = { ...drawBoxVariation(random, SIZE), brightness: 1, contrast: 1 }
      const box = set.boxes[n]?.[0] as SegmentationBox
      const mask = box.mask as Uint8Array
      const drawn = new Uint8Array(SIZE * SIZE * 3)
      mask.forEach((v, i) => drawn.fill(v * 255, i * 3, i * 3 + 3))
      const out = new Float32Array(SIZE * SIZE * 3)
      renderBoxVariation(drawn, 0, SIZE, out, 0, variation)
      const moved = moveMask(mask, SIZE, variation)
      let union = 0
      let differ = 0
      for (let i = 0; i < SIZE * SIZE; i++) {
        const rendered = (out[i * 3] as number) > 127.5 ? 1 : 0
        if (rendered || moved[i]) union++
        if (rendered !== moved[i]) differ++
      }
      expect(union).toBeGreaterThan(50)
      // Only edge pixels, sampled bilinearly in one and nearest in the other, may differ.
      expect(differ / union).toBeLessThan(0.1)
      // The moved box holds the moved mask.
      const [movedBox] = moveBoxes([box], SIZE, variation)
      if (movedBox) {
        const [bx, by, bw, bh] = movedBox.bbox
        let outside = 0
        for (let y = 0; y < SIZE; y++)
          for (let x = 0; x < SIZE; x++) {
            const far = x < bx - 1 || x > bx + bw + 1 || y < by - 1 || y > by + bh + 1
            if (moved[y * SIZE + x] && far) outside++
          }
        expect(outside).toBe(0)
      }
    }
  })

  it('is the identity without a variation', () => {
    const mask = Uint8Array.from({ length: SIZE * SIZE }, (_, i) => (i % 3 === 0 ? 1 : 0))
    expect(moveMask(mask, SIZE, undefined)).toBe(mask)
    const mirror = moveMask(mask, SIZE, {
      mirror: true,
      scale: 1,
      shiftX: 0,
      shiftY: 0,
      brightness: 1,
      contrast: 1,
    })
    expect(mirror[0]).toBe(mask[SIZE - 1])
    expect(mirror[5 * SIZE + 3]).toBe(mask[5 * SIZE + SIZE - 4])
  })
})

describe('trainSegmenter', () => {
  it('lowers the loss and raises validation mask mAP@.5 on drawn shapes', async () => {
    const epochs: SegmentationEpochMetrics[] = []
    const before = tf.memory().numTensors
    const trained = await trainSegmenter({
      train: shapes(16, 1),
      val: shapes(8, 2),
      numClasses: 2,
      params: {
        ...DEFAULT_TRAIN_PARAMS,
        imageSize: SIZE,
        epochs: 12,
        batchSize: 8,
        learningRate: 6e-3,
        augment: false,
        patience: 0,
      },
      callbacks: { onEpoch: (m) => epochs.push(m) },
    })
    try {
      expect(epochs).toHaveLength(12)
      expect(epochs[0]).toMatchObject({ task: 'instance_segmentation', epoch: 1, epochs: 12 })
      const first = epochs[0] as SegmentationEpochMetrics
      const last = epochs.at(-1) as SegmentationEpochMetrics
      expect(last.loss).toBeLessThan(first.loss)
      expect(last.maskLoss).toBeLessThan(first.maskLoss)
      expect(first.maskLoss).toBeGreaterThan(0)
      const best = Math.max(...epochs.map((m) => m.valMaskMap50))
      expect(best).toBeGreaterThan(0.1)
      expect(trained.model.outputNames).toEqual([...SEGMENTATION_OUTPUT_NAMES])
    } finally {
      trained.model.dispose()
    }
    expect(tf.memory().numTensors).toBe(before)
  }, 300_000)
})
