// The detection decoder of the predict route: hand-made output maps with known peaks come back as
// COCO results in the posted image's own pixels, best first, cut to `top`, named by labels.json.

import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toAppError } from '../../../src-shared/errors'
import type { DetectionPrediction } from '../../../src-shared/predictions'
import { predictionDecoderFor } from '../../../src-main/engine/tasks/prediction-decoder'

const CLASSES = [
  { index: 0, categoryId: 5, name: 'cat' },
  { index: 1, categoryId: 2, name: 'dog' },
]
const INPUT = { width: 16, height: 16 }
const CELLS = 4

let tensors: tf.Tensor[]

/** Three maps on a 4×4 grid (stride 4): objects at given cells with size and offset in cells. */
function detectorOutputs(
  objects: {
    row: number
    col: number
    c: number
    score: number
    size: number[]
    offset: number[]
  }[],
): tf.Tensor[] {
  const heatmap = new Float32Array(CELLS * CELLS * CLASSES.length).fill(0.01)
  const size = new Float32Array(CELLS * CELLS * 2).fill(1)
  const offset = new Float32Array(CELLS * CELLS * 2).fill(0.5)
  for (const o of objects) {
    const cell = o.row * CELLS + o.col
    heatmap[cell * CLASSES.length + o.c] = o.score
    size.set(o.size, cell * 2)
    offset.set(o.offset, cell * 2)
  }
  return [
    tf.tensor4d(heatmap, [1, CELLS, CELLS, CLASSES.length]),
    tf.tensor4d(size, [1, CELLS, CELLS, 2]),
    tf.tensor4d(offset, [1, CELLS, CELLS, 2]),
  ]
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (thrown) {
    return toAppError(thrown).code
  }
  return undefined
}

beforeAll(async () => {
  await tf.setBackend('cpu')
  tensors = detectorOutputs([
    // Centre (2.5, 1.25) cells = (10, 5) px, 8×4 px: [6, 3, 8, 4] in the input.
    { row: 1, col: 2, c: 1, score: 0.9, size: [2, 1], offset: [0.5, 0.25] },
    // Centre (0.5, 3.5) cells = (2, 14) px, 4×4 px: [0, 12, 4, 4].
    { row: 3, col: 0, c: 0, score: 0.6, size: [1, 1], offset: [0.5, 0.5] },
    // Below the predict route's threshold (0.3): no box.
    { row: 0, col: 0, c: 0, score: 0.2, size: [1, 1], offset: [0.5, 0.5] },
  ])
})

afterAll(() => tf.dispose(tensors))

describe('the detection decoder', () => {
  const decoder = predictionDecoderFor('obj_detection')

  it('answers boxes in the posted image pixels, best first, named by their categories', () => {
    const image = { width: 32, height: 64 }
    expect(decoder.decode({ tensors, input: INPUT, image }, CLASSES, 100)).toEqual([
      { category_id: 2, category: 'dog', bbox: [12, 12, 16, 16], score: expect.closeTo(0.9, 6) },
      { category_id: 5, category: 'cat', bbox: [0, 48, 8, 16], score: expect.closeTo(0.6, 6) },
    ])
    const same = decoder.decode({ tensors, input: INPUT, image: INPUT }, CLASSES, 100)
    expect((same as DetectionPrediction[]).map((p) => p.bbox)).toEqual([
      [6, 3, 8, 4],
      [0, 12, 4, 4],
    ])
  })

  it('keeps at most `top` boxes, 100 unless asked', () => {
    expect(decoder.defaultTop).toBe(100)
    const best = decoder.decode({ tensors, input: INPUT, image: INPUT }, CLASSES, 1)
    expect(best.map((p) => p.category)).toEqual(['dog'])
  })

  it('refuses outputs that are not the detector of labels.json', () => {
    const image = INPUT
    const [heatmap, size] = tensors as [tf.Tensor, tf.Tensor]
    expect(
      codeOf(() => decoder.decode({ tensors: [heatmap], input: INPUT, image }, CLASSES, 5)),
    ).toBe('MODEL_UNREADABLE')
    expect(
      codeOf(() => decoder.decode({ tensors, input: INPUT, image }, CLASSES.slice(0, 1), 5)),
    ).toBe('MODEL_UNREADABLE')
    const coarse = tf.zeros([1, 2, 2, 2])
    try {
      const offGrid = { tensors: [heatmap, size, coarse], input: INPUT, image }
      expect(codeOf(() => decoder.decode(offGrid, CLASSES, 5))).toBe('MODEL_UNREADABLE')
    } finally {
      coarse.dispose()
    }
    expect(
      codeOf(() =>
        decoder.decode({ tensors, input: { width: 18, height: 18 }, image }, CLASSES, 5),
      ),
    ).toBe('MODEL_UNREADABLE')
  })
})
