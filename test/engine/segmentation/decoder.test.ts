// The segmenter's decoder: a hand-made set of five outputs with one object whose prototype covers
// the left part of its box decodes to that mask in the posted image's own pixels (not the model
// input's), as COCO compressed RLE; models with the wrong outputs are refused.

import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { rleDecode } from '../../../src-shared/coco-mask/rle'
import { rleCountsFromString } from '../../../src-shared/coco-mask/rle-string'
import type { SegmentationPrediction } from '../../../src-shared/predictions'
import { AppFailure } from '../../../src-shared/errors'
import { segmentationDecoder } from '../../../src-main/engine/tasks/segmentation/decoder'
import { taskDecoder } from '../../../src-main/engine/tasks/registry'

const CELLS = 8
const K = 4
const classes = [{ index: 0, categoryId: 7, name: 'disc' }]

/** One object centred in cell (3, 3), 4×4 cells; prototype 0 is positive left of input x = 16. */
function outputs(): tf.Tensor[] {
  const cell = 3 * CELLS + 3
  const heat = new Float32Array(CELLS * CELLS)
  heat[cell] = 0.9
  const size = new Float32Array(CELLS * CELLS * 2)
  size.set([4, 4], cell * 2)
  const offset = new Float32Array(CELLS * CELLS * 2).fill(0.5)
  const coefficients = new Float32Array(CELLS * CELLS * K)
  coefficients[cell * K] = 1
  const prototypes = new Float32Array(CELLS * CELLS * K)
  for (let r = 0; r < CELLS; r++)
    for (let c = 0; c < CELLS; c++) prototypes[(r * CELLS + c) * K] = c < 4 ? 5 : -5
  return [
    tf.tensor4d(heat, [1, CELLS, CELLS, 1]),
    tf.tensor4d(size, [1, CELLS, CELLS, 2]),
    tf.tensor4d(offset, [1, CELLS, CELLS, 2]),
    tf.tensor4d(coefficients, [1, CELLS, CELLS, K]),
    tf.tensor4d(prototypes, [1, CELLS, CELLS, K]),
  ]
}

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('the segmentation decoder', () => {
  it('is the registered decoder of instance segmentation', () => {
    expect(taskDecoder('instance_segmentation')).toBe(segmentationDecoder)
  })

  it('answers each box with its mask in the posted image’s pixels', () => {
    const tensors = outputs()
    try {
      // A 64×48 image (w×h) stretched to the 32×32 input: x doubles, y grows by 1.5.
      const [prediction, ...rest] = segmentationDecoder.decode(
        { tensors, input: { width: 32, height: 32 }, image: { width: 64, height: 48 } },
        classes,
        10,
      ) as SegmentationPrediction[]
      expect(rest).toHaveLength(0)
      expect(prediction).toMatchObject({ category_id: 7, category: 'disc' })
      // The box: input [6, 6, 16, 16] → image [12, 9, 32, 24].
      expect(prediction?.bbox.map((v) => Math.round(v))).toEqual([12, 9, 32, 24])
      const segmentation = prediction?.segmentation as SegmentationPrediction['segmentation']
      expect(segmentation.size).toEqual([48, 64])
      const parsed = rleCountsFromString(segmentation.counts)
      if (!parsed.ok) throw new Error(parsed.reason)
      const pixels = rleDecode({ height: 48, width: 64, counts: parsed.counts })
      const at = (x: number, y: number) => pixels[x * 48 + y]
      // Inside the box and left of input x = 16 (image x = 32): in; right of it or outside: out.
      expect(at(13, 10)).toBe(1)
      expect(at(31, 32)).toBe(1)
      expect(at(33, 20)).toBe(0)
      expect(at(11, 20)).toBe(0)
      expect(at(20, 34)).toBe(0)
      expect(pixels.reduce((a, b) => a + b, 0)).toBe(20 * 24)
    } finally {
      tf.dispose(tensors)
    }
  })

  it('refuses a model without the mask outputs', () => {
    const tensors = outputs()
    try {
      expect(() =>
        segmentationDecoder.decode(
          {
            tensors: tensors.slice(0, 3),
            input: { width: 32, height: 32 },
            image: { width: 32, height: 32 },
          },
          classes,
          10,
        ),
      ).toThrow(AppFailure)
    } finally {
      tf.dispose(tensors)
    }
  })
})
