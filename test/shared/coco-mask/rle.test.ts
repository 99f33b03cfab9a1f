import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-shared/seeded-random'
import {
  emptyRle,
  rleArea,
  rleCoversImage,
  rleDecode,
  rleDecodeRowMajor,
  rleEncode,
  rleEncodeRowMajor,
  rleToBbox,
  type Rle,
} from '../../../src-shared/coco-mask/rle'

/** A column-major mask with the listed (x, y) pixels set. */
function maskOf(height: number, width: number, pixels: [number, number][]): Uint8Array {
  const mask = new Uint8Array(height * width)
  for (const [x, y] of pixels) mask[x * height + y] = 1
  return mask
}

function rle(height: number, width: number, counts: number[]): Rle {
  return { height, width, counts: Uint32Array.from(counts) }
}

describe('RLE encode and decode', () => {
  it('round-trips random masks of every density, including all-empty and all-full', () => {
    const random = seededRandom(11)
    for (let trial = 0; trial < 200; trial++) {
      const height = 1 + Math.floor(random() * 17)
      const width = 1 + Math.floor(random() * 17)
      const density = trial === 0 ? 0 : trial === 1 ? 1 : random()
      const mask = new Uint8Array(height * width)
      for (let i = 0; i < mask.length; i++) mask[i] = random() < density ? 1 : 0
      const encoded = rleEncode(mask, height, width)
      expect(rleCoversImage(encoded)).toBe(true)
      expect(rleDecode(encoded)).toEqual(mask)
      expect(rleArea(encoded)).toBe(mask.reduce((sum, p) => sum + p, 0))
    }
  })

  it('walks down the columns first and starts with a zero run when the first pixel is set', () => {
    // 3 rows × 2 columns; set (x=0, y=0), (x=0, y=1) and (x=1, y=2). Column-major order reads
    // column 0 top to bottom (1, 1, 0) then column 1 (0, 0, 1): runs 0 background, 2 foreground,
    // 3 background, 1 foreground.
    const mask = maskOf(3, 2, [
      [0, 0],
      [0, 1],
      [1, 2],
    ])
    expect(Array.from(rleEncode(mask, 3, 2).counts)).toEqual([0, 2, 3, 1])
  })

  it('treats any non-zero byte as foreground', () => {
    expect(Array.from(rleEncode(Uint8Array.of(0, 255, 7, 0), 2, 2).counts)).toEqual([1, 2, 1])
  })

  it('converts row-major masks (canvases, tensors) both ways', () => {
    // Row-major 2 rows × 3 columns: row 0 = 1 0 0, row 1 = 1 1 0. Column-major that is
    // column 0 = (1, 1), column 1 = (0, 1), column 2 = (0, 0): runs 0, 2, 1, 1, 2.
    const rowMajor = Uint8Array.of(1, 0, 0, 1, 1, 0)
    const encoded = rleEncodeRowMajor(rowMajor, 2, 3)
    expect(Array.from(encoded.counts)).toEqual([0, 2, 1, 1, 2])
    expect(rleDecodeRowMajor(encoded)).toEqual(rowMajor)
  })

  it('refuses a mask of the wrong length', () => {
    expect(() => rleEncode(new Uint8Array(5), 2, 3)).toThrow(RangeError)
  })

  it('says whether the runs cover the image exactly', () => {
    expect(rleCoversImage(rle(2, 3, [1, 2, 3]))).toBe(true)
    expect(rleCoversImage(rle(2, 3, [1, 2, 2]))).toBe(false)
    expect(rleCoversImage(emptyRle(4, 5))).toBe(true)
  })
})

describe('rleToBbox', () => {
  it('boxes a single pixel and a rectangle', () => {
    expect(rleToBbox(rleEncode(maskOf(5, 6, [[3, 2]]), 5, 6))).toEqual([3, 2, 1, 1])
    // Columns 1..3, rows 2..3 on a 5 × 6 image: x 1, y 2, width 3, height 2.
    const pixels: [number, number][] = []
    for (let x = 1; x <= 3; x++) for (let y = 2; y <= 3; y++) pixels.push([x, y])
    expect(rleToBbox(rleEncode(maskOf(5, 6, pixels), 5, 6))).toEqual([1, 2, 3, 2])
  })

  it('spans the full height when one run wraps from a column into the next', () => {
    // 4 rows: pixels (0, 2), (0, 3), (1, 0), (1, 1) are consecutive in column-major order, so
    // one run covers them. Its first and last pixels alone (rows 2 and 1) would give rows 1..2;
    // the run passes through the last row of column 0 and the first row of column 1, so the box
    // covers rows 0..3.
    const wrapped = rleEncode(
      maskOf(4, 3, [
        [0, 2],
        [0, 3],
        [1, 0],
        [1, 1],
      ]),
      4,
      3,
    )
    expect(Array.from(wrapped.counts)).toEqual([2, 4, 6])
    expect(rleToBbox(wrapped)).toEqual([0, 0, 2, 4])
  })

  it('matches the tight box of random masks whose runs stay within a column', () => {
    const random = seededRandom(5)
    for (let trial = 0; trial < 100; trial++) {
      const height = 2 + Math.floor(random() * 10)
      const width = 1 + Math.floor(random() * 10)
      // Never set the last row, so no run can wrap into the next column.
      const mask = new Uint8Array(height * width)
      for (let i = 0; i < mask.length; i++)
        if (i % height !== height - 1) mask[i] = random() < 0.2 ? 1 : 0
      let [xs, ys, xe, ye] = [width, height, -1, -1]
      for (let i = 0; i < mask.length; i++)
        if (mask[i]) {
          const [x, y] = [Math.floor(i / height), i % height]
          ;[xs, ys, xe, ye] = [Math.min(xs, x), Math.min(ys, y), Math.max(xe, x), Math.max(ye, y)]
        }
      const expected = xe < 0 ? [0, 0, 0, 0] : [xs, ys, xe - xs + 1, ye - ys + 1]
      expect(rleToBbox(rleEncode(mask, height, width))).toEqual(expected)
    }
  })

  it('gives [0, 0, 0, 0] for an empty mask', () => {
    expect(rleToBbox(emptyRle(7, 9))).toEqual([0, 0, 0, 0])
  })
})
