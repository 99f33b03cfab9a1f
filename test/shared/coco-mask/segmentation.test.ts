import { describe, expect, it } from 'vitest'
import { rleArea, rleToBbox, type Rle } from '../../../src-shared/coco-mask/rle'
import { rleFromPolygon } from '../../../src-shared/coco-mask/polygon-to-rle'
import {
  segmentationToRle,
  type SegmentationProblemKind,
} from '../../../src-shared/coco-mask/segmentation'

function read(segmentation: unknown, height = 20, width = 20): Rle {
  const result = segmentationToRle(segmentation, height, width)
  if (!result.ok) throw new Error(result.problem.message)
  return result.rle
}

function problemOf(segmentation: unknown): { kind: SegmentationProblemKind; at: unknown[] } {
  const result = segmentationToRle(segmentation, 20, 20)
  if (result.ok) throw new Error('expected a problem')
  return { kind: result.problem.kind, at: result.problem.at }
}

// The 10 × 10 square in the corner of a 20 × 20 image; its counts and string are worked out
// step by step in rle-string.test.ts.
const SQUARE_COUNTS = [0, ...Array<number>(19).fill(10), 210]
const SQUARE_STRING = `0::${'0'.repeat(17)}X6`

describe('segmentationToRle', () => {
  it('rasterises a polygon list and unites its parts into one mask', () => {
    const square = read([[0, 0, 10, 0, 10, 10, 0, 10]])
    expect(Array.from(square.counts)).toEqual(SQUARE_COUNTS)
    // Two overlapping parts of one object: 100 + 100 - 25 shared pixels.
    const twoParts = read([
      [0, 0, 10, 0, 10, 10, 0, 10],
      [5, 5, 15, 5, 15, 15, 5, 15],
    ])
    expect(rleArea(twoParts)).toBe(175)
    expect(rleToBbox(twoParts)).toEqual([0, 0, 15, 15])
  })

  it('rasterises polygons on the image size it is given', () => {
    const rle = read([[0, 0, 10, 0, 10, 10, 0, 10]], 30, 40)
    expect([rle.height, rle.width, rleArea(rle)]).toEqual([30, 40, 100])
  })

  it('reads uncompressed and compressed RLE with their own size', () => {
    const uncompressed = read({ size: [20, 20], counts: SQUARE_COUNTS })
    const compressed = read({ size: [20, 20], counts: SQUARE_STRING })
    expect(Array.from(uncompressed.counts)).toEqual(SQUARE_COUNTS)
    expect(compressed).toEqual(uncompressed)
    expect(rleArea(compressed)).toBe(100)
    // The size is the RLE's, not the image's: the caller compares the two.
    const other = read({ size: [2, 3], counts: [1, 5] })
    expect([other.height, other.width]).toEqual([2, 3])
  })

  it('reads a first part of exactly 4 numbers as boxes, as pycocotools does', () => {
    // [x, y, w, h] = [2, 3, 4, 5] is the box, not the 2-point polygon (2,3)–(4,5).
    const boxes = read([
      [2, 3, 4, 5],
      [10, 10, 2, 2],
    ])
    expect(rleArea(boxes)).toBe(4 * 5 + 2 * 2)
    expect(boxes).toEqual(
      read([
        [2, 3, 2, 8, 6, 8, 6, 3],
        [10, 10, 10, 12, 12, 12, 12, 10],
      ]),
    )
  })

  it('keeps later parts with few points as degenerate polygons', () => {
    const rle = read([
      [0, 0, 10, 0, 10, 10, 0, 10],
      [1, 1, 2, 2],
    ])
    expect(rle).toEqual(rleFromPolygon([0, 0, 10, 0, 10, 10, 0, 10], 20, 20))
  })

  it('says what is wrong and where', () => {
    expect(problemOf(null).kind).toBe('NOT_A_SEGMENTATION')
    expect(problemOf({ counts: [400] }).kind).toBe('NOT_A_SEGMENTATION')
    expect(problemOf([]).kind).toBe('NO_POLYGONS')
    expect(problemOf([[1, 2, 3]])).toEqual({ kind: 'BAD_POLYGON', at: [0] })
    expect(problemOf([{ size: [20, 20], counts: [400] }])).toEqual({ kind: 'BAD_POLYGON', at: [0] })
    expect(
      problemOf([
        [0, 0, 10, 0, 10, 10],
        [1, 2, 'x'],
      ]),
    ).toEqual({
      kind: 'BAD_POLYGON',
      at: [1, 2],
    })
    expect(problemOf([[0, 0, 10, 0, Number.NaN, 10]])).toEqual({ kind: 'BAD_POLYGON', at: [0, 4] })
    expect(
      problemOf([
        [0, 0, 1, 1],
        [0, 0, 1, 1, 2, 2],
      ]),
    ).toEqual({ kind: 'BAD_POLYGON', at: [1] })
    expect(problemOf({ size: [20], counts: [400] }).kind).toBe('BAD_RLE_SIZE')
    expect(problemOf({ size: [20, 2.5], counts: [50] }).kind).toBe('BAD_RLE_SIZE')
    expect(problemOf({ size: [20, 20], counts: [100, -1, 301] })).toEqual({
      kind: 'BAD_RLE_COUNTS',
      at: ['counts', 1],
    })
    expect(problemOf({ size: [20, 20], counts: '0 :' }).kind).toBe('BAD_RLE_COUNTS')
    expect(problemOf({ size: [20, 20], counts: 400 }).kind).toBe('BAD_RLE_COUNTS')
    expect(problemOf({ size: [20, 20], counts: [100, 200] })).toEqual({
      kind: 'RLE_COUNTS_DO_NOT_COVER_IMAGE',
      at: ['counts'],
    })
    expect(problemOf({ size: [20, 20], counts: '0::X6' }).kind).toBe(
      'RLE_COUNTS_DO_NOT_COVER_IMAGE',
    )
  })
})
