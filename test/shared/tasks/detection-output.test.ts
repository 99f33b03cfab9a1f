import { describe, expect, it } from 'vitest'
import {
  boxOverlap,
  decodeDetections,
  EVALUATION_DECODE,
  toImagePixels,
  type DetectionMaps,
} from '../../../src-shared/tasks/detection-output'

/** A rows×cols map with `classes` channels, every cell 0 except the given peaks. */
function maps(
  rows: number,
  cols: number,
  classes: number,
  peaks: { row: number; col: number; c: number; score: number; w: number; h: number }[],
): DetectionMaps {
  const heatmap = new Float32Array(rows * cols * classes)
  const size = new Float32Array(rows * cols * 2)
  const offset = new Float32Array(rows * cols * 2).fill(0.5)
  for (const p of peaks) {
    const cell = p.row * cols + p.col
    heatmap[cell * classes + p.c] = p.score
    size[cell * 2] = p.w
    size[cell * 2 + 1] = p.h
  }
  return { rows, cols, classes, stride: 4, heatmap, size, offset }
}

describe('decodeDetections', () => {
  it('turns a peak into a box centred on its cell plus offset, in input pixels', () => {
    const boxes = decodeDetections(
      maps(8, 8, 2, [{ row: 2, col: 3, c: 1, score: 0.9, w: 2, h: 4 }]),
      EVALUATION_DECODE,
    )
    // centre (3.5, 2.5) cells = (14, 10) px; size 8×16 px
    expect(boxes).toEqual([
      {
        classIndex: 1,
        score: expect.closeTo(0.9, 6),
        bbox: [10, 2, 8, 16],
        cell: { row: 2, col: 3 },
      },
    ])
  })

  it('keeps only cells no 3×3 neighbour of the same class outscores', () => {
    const m = maps(8, 8, 2, [
      { row: 4, col: 4, c: 0, score: 0.8, w: 1, h: 1 },
      { row: 4, col: 5, c: 0, score: 0.6, w: 1, h: 1 },
      { row: 4, col: 5, c: 1, score: 0.5, w: 1, h: 1 },
    ])
    const boxes = decodeDetections(m, EVALUATION_DECODE)
    expect(boxes.map((b) => [b.classIndex, Math.round(b.score * 10)])).toEqual([
      [0, 8],
      [1, 5],
    ])
  })

  it('suppresses overlapping boxes of one class but not of different classes', () => {
    const m = maps(16, 16, 2, [
      { row: 5, col: 5, c: 0, score: 0.9, w: 8, h: 8 },
      { row: 5, col: 7, c: 0, score: 0.7, w: 8, h: 8 },
      { row: 5, col: 7, c: 1, score: 0.6, w: 8, h: 8 },
      { row: 12, col: 12, c: 0, score: 0.5, w: 2, h: 2 },
    ])
    const boxes = decodeDetections(m, EVALUATION_DECODE)
    expect(boxes.map((b) => [b.classIndex, Math.round(b.score * 10)])).toEqual([
      [0, 9],
      [1, 6],
      [0, 5],
    ])
  })

  it('drops scores under the threshold and cuts at maxDetections, best first', () => {
    const peaks = Array.from({ length: 20 }, (_, i) => ({
      row: 2 * Math.floor(i / 5) + 1,
      col: 2 * (i % 5) + 1,
      c: 0,
      score: 0.05 * (i + 1),
      w: 0.5,
      h: 0.5,
    }))
    const m = maps(10, 12, 1, peaks)
    const all = decodeDetections(m, { ...EVALUATION_DECODE, scoreThreshold: 0.3 })
    expect(all).toHaveLength(15)
    const top = decodeDetections(m, { ...EVALUATION_DECODE, maxDetections: 3 })
    expect(top.map((b) => Math.round(b.score * 100))).toEqual([100, 95, 90])
  })

  it('clips boxes to the input', () => {
    const boxes = decodeDetections(
      maps(4, 4, 1, [{ row: 0, col: 0, c: 0, score: 0.9, w: 2, h: 2 }]),
      EVALUATION_DECODE,
    )
    expect(boxes[0]?.bbox).toEqual([0, 0, 6, 6])
  })
})

describe('boxes in the image’s own pixels', () => {
  it('scales each axis by the stretch of the fill resize', () => {
    expect(
      toImagePixels([8, 16, 32, 8], { width: 64, height: 64 }, { width: 640, height: 320 }),
    ).toEqual([80, 80, 320, 40])
  })

  it('measures overlap as IoU', () => {
    expect(boxOverlap([0, 0, 2, 2], [1, 0, 2, 2])).toBeCloseTo(1 / 3, 10)
    expect(boxOverlap([0, 0, 1, 1], [2, 2, 1, 1])).toBe(0)
  })
})
