import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { maskAtInput } from '../../../src-main/engine/tasks/segmentation/instance-masks'
import { maskLoss } from '../../../src-main/engine/tasks/segmentation/mask-loss'
import {
  centreCell,
  maskTargetArrays,
  maskTargetTensors,
  type MaskObject,
} from '../../../src-main/engine/tasks/segmentation/mask-targets'
import { rleFromBox } from '../../../src-shared/coco-mask/polygon-to-rle'
import { rleToCompressed } from '../../../src-shared/coco-mask/rle-string'
import { seededRandom } from '../../../src-shared/seeded-random'
import { expectSameOnWasm, randomInput, setUpWasmBackend } from '../kernel-comparison'

const SIZE = 32
const grid = { inputSize: SIZE, headStride: 4, protoStride: 4 }

/** A rectangle's object: its box and its mask on the input grid. */
function rectangle(x: number, y: number, w: number, h: number): MaskObject {
  const mask = new Uint8Array(SIZE * SIZE)
  for (let r = y; r < y + h; r++) for (let c = x; c < x + w; c++) mask[r * SIZE + c] = 1
  return { bbox: [x, y, w, h], mask }
}

beforeAll(async () => {
  await setUpWasmBackend()
})

describe('mask targets', () => {
  it('resamples a mask from the image’s pixels onto the input grid', () => {
    // A 64×128 image (h×w) with a box covering its left half, stretched to 32×32.
    const mask = maskAtInput(rleToCompressed(rleFromBox([0, 0, 64, 64], 64, 128)), SIZE)
    expect(mask[5 * SIZE + 15]).toBe(1)
    expect(mask[5 * SIZE + 16]).toBe(0)
    expect(mask.reduce((a, b) => a + b, 0)).toBe(SIZE * 16)
  })

  it('picks each object’s centre cell, its mask’s coverage, its box, and pads to the most objects', () => {
    const arrays = maskTargetArrays(
      [[rectangle(4, 4, 8, 6), rectangle(16, 16, 12, 12)], [rectangle(0, 0, 6, 6)]],
      grid,
    )
    expect([arrays.batch, arrays.slots, arrays.headCells, arrays.protoCells]).toEqual([
      2, 2, 64, 64,
    ])
    expect(arrays.objects).toBe(3)
    const cell = centreCell([4, 4, 8, 6], 4, 8)
    expect(cell).toEqual({ row: 1, col: 2 })
    expect(arrays.selection[1 * 8 + 2]).toBe(1)
    expect(arrays.selection.slice(0, 64).reduce((a, b) => a + b, 0)).toBe(1)
    // Rows 4–9 of the first object: cell row 2 (pixels 8–11) is half covered (rows 8–9).
    expect(arrays.target[2 * 8 + 1]).toBe(0.5)
    expect(arrays.target[1 * 8 + 1]).toBe(1)
    // The padding slot of the second image has no selection and no weight.
    expect(arrays.weight[3]).toBe(0)
    expect(arrays.selection.slice(3 * 64, 4 * 64).every((v) => v === 0)).toBe(true)
    expect(arrays.weight[0]).toBeCloseTo(1 / 4, 6)
  })
})

describe('mask loss', () => {
  it('falls as the assembled mask agrees with the target', () => {
    const targets = maskTargetTensors(maskTargetArrays([[rectangle(8, 8, 12, 12)]], grid))
    const protos = tf.tidy(() => {
      // Prototype 0 is +5 on the object's cells and −5 elsewhere.
      const values = new Float32Array(8 * 8 * 2)
      for (let r = 0; r < 8; r++)
        for (let c = 0; c < 8; c++)
          values[(r * 8 + c) * 2] = r >= 2 && r < 5 && c >= 2 && c < 5 ? 5 : -5
      return tf.tensor4d(values, [1, 8, 8, 2])
    })
    const coefficients = (w: number) => {
      const values = new Float32Array(8 * 8 * 2)
      const { row, col } = centreCell([8, 8, 12, 12], 4, 8)
      values[(row * 8 + col) * 2] = w
      return tf.tensor4d(values, [1, 8, 8, 2])
    }
    const [right, none, wrong] = [1, 0, -1].map((w) => {
      const c = coefficients(w)
      const loss = maskLoss(c, protos, targets).dataSync()[0] ?? NaN
      c.dispose()
      return loss
    })
    expect(right).toBeLessThan(0.05)
    expect(none).toBeCloseTo(Math.log(2), 4)
    expect(wrong).toBeGreaterThan(3)
    tf.dispose([protos, targets.selection, targets.target, targets.crop, targets.weight])
  })

  it('has the same gradients on wasm as on cpu, on random shapes', async () => {
    const random = seededRandom(11)
    for (const [batch, side, k, objects] of [
      [1, 8, 4, 1],
      [2, 8, 8, 3],
      [3, 16, 5, 2],
    ] as const) {
      const size = side * 4
      const images = Array.from({ length: batch }, () =>
        Array.from({ length: objects }, () => {
          const w = 4 + Math.floor(random() * (size / 2))
          const h = 4 + Math.floor(random() * (size / 2))
          const x = Math.floor(random() * (size - w))
          const y = Math.floor(random() * (size - h))
          const mask = Uint8Array.from({ length: size * size }, () => (random() < 0.5 ? 1 : 0))
          return { bbox: [x, y, w, h], mask }
        }),
      )
      const arrays = maskTargetArrays(images, { inputSize: size, headStride: 4, protoStride: 4 })
      await expectSameOnWasm(
        {
          coefficients: randomInput([batch, side, side, k], random),
          prototypes: randomInput([batch, side, side, k], random),
        },
        ({ coefficients, prototypes }) => {
          const targets = maskTargetTensors(arrays)
          const grads = tf.grads((c: tf.Tensor, p: tf.Tensor) =>
            maskLoss(c as tf.Tensor4D, p as tf.Tensor4D, targets),
          )([coefficients as tf.Tensor, prototypes as tf.Tensor])
          return [
            maskLoss(coefficients as tf.Tensor4D, prototypes as tf.Tensor4D, targets),
            ...grads,
          ]
        },
      )
    }
  })
})
