import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-shared/seeded-random'
import { rleArea, rleDecode, rleToBbox } from '../../../src-shared/coco-mask/rle'
import { rleFromBox, rleFromPolygon } from '../../../src-shared/coco-mask/polygon-to-rle'

/**
 * An independent per-pixel evaluation of COCO's polygon rule, for checking the rasteriser:
 * no walk arrays, no sorting and no run arithmetic. For each pixel column X it finds where each
 * edge crosses the line between fine columns 5X+2 and 5X+3 (from the edge's own formula for the
 * rounded fine points), and a pixel is set when an odd number of those crossings lie at or above
 * its row. Returns the column-major mask.
 */
function referenceMask(xy: number[], height: number, width: number): Uint8Array {
  const round = (value: number) => Math.trunc(value + 0.5)
  const k = Math.floor(xy.length / 2)
  const fine: [number, number][] = []
  for (let j = 0; j < k; j++) fine.push([round(5 * xy[2 * j]!), round(5 * xy[2 * j + 1]!)])
  const crossingRows: number[][] = Array.from({ length: width }, () => [])
  const rowOf = (fineY: number) => Math.ceil(Math.min(height, Math.max(0, (fineY + 0.5) / 5 - 0.5)))
  for (let j = 0; j < k; j++) {
    const p = fine[j]!
    const q = fine[(j + 1) % k]!
    const dx = Math.abs(p[0] - q[0])
    const dy = Math.abs(p[1] - q[1])
    if (dx === 0 && dy === 0) continue
    for (let column = 0; column < width; column++) {
      const left = 5 * column + 2
      if (dx >= dy) {
        // One fine point per fine column, computed from the end with the smaller x.
        const [s, e] = p[0] <= q[0] ? [p, q] : [q, p]
        if (s[0] > left || e[0] < left + 1) continue
        const at = (u: number) => round(s[1] + ((e[1] - s[1]) / dx) * (u - s[0]))
        crossingRows[column]!.push(rowOf(Math.min(at(left), at(left + 1))))
      } else {
        // One fine point per fine row, from the end with the smaller y; find the step whose
        // two points sit in fine columns left and left + 1.
        const [s, e] = p[1] <= q[1] ? [p, q] : [q, p]
        const at = (v: number) => round(s[0] + ((e[0] - s[0]) / dy) * (v - s[1]))
        for (let v = s[1]; v < e[1]; v++) {
          const pair = [at(v), at(v + 1)].sort((a, b) => a - b)
          if (pair[0] === left && pair[1] === left + 1) crossingRows[column]!.push(rowOf(v))
        }
      }
    }
  }
  const mask = new Uint8Array(height * width)
  for (let x = 0; x < width; x++)
    for (let y = 0; y < height; y++) {
      const above = crossingRows[x]!.filter((row) => row <= y).length
      mask[x * height + y] = above % 2
    }
  return mask
}

/** The set pixels of a mask as sorted "x,y" strings, for readable expectations. */
function pixelsOf(mask: Uint8Array, height: number): string[] {
  const pixels: string[] = []
  mask.forEach((p, i) => {
    if (p) pixels.push(`${Math.floor(i / height)},${i % height}`)
  })
  return pixels
}

function rectanglePixels(x0: number, x1: number, y0: number, y1: number): string[] {
  const pixels: string[] = []
  for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) pixels.push(`${x},${y}`)
  return pixels
}

describe('rleFromPolygon', () => {
  it('fills exactly the 10 × 10 pixels of the square [0,0, 10,0, 10,10, 0,10] on 20 × 20', () => {
    // Scaled by 5 the corners are (0,0), (50,0), (50,50), (0,50). The top edge steps through
    // fine columns 0..50; the steps 5X+2 → 5X+3 lie on it for X = 0..9 (5·10+2 = 52 is past 50),
    // each at fine y 0 → row ceil((0 + .5)/5 - .5) = ceil(-0.4) clamped = 0. The bottom edge
    // crosses the same columns at fine y 50 → row ceil(10.1 - .5) = ceil(9.6) = 10. The vertical
    // edges change no fine column. So columns 0..9 toggle on at row 0 and off at row 10: the
    // pixels 0..9 × 0..9, whose centres (X + .5, Y + .5) are inside the square: area 100.
    const rle = rleFromPolygon([0, 0, 10, 0, 10, 10, 0, 10], 20, 20)
    expect(rleArea(rle)).toBe(100)
    expect(pixelsOf(rleDecode(rle), 20)).toEqual(rectanglePixels(0, 9, 0, 9))
    expect(rleToBbox(rle)).toEqual([0, 0, 10, 10])
  })

  it('takes a centre on a bottom or right edge as inside and on a top or left edge as outside', () => {
    // Corners at 0.5 and 2.5: fine 3 and 13 (5 × 0.5 + .5 = 3). Fine columns 3..13 contain the
    // steps 5X+2 → 5X+3 for X = 1, 2 (7 → 8 and 12 → 13), not X = 0 (2 → 3 starts before 3).
    // Top edge at fine y 3 → row ceil(3.5/5 - .5) = ceil(0.2) = 1; bottom at fine y 13 →
    // ceil(13.5/5 - .5) = ceil(2.2) = 3. Pixels 1..2 × 1..2: centre 1.5 and 2.5 are in
    // (0.5, 2.5]; centre 0.5, on the top-left edges, is not.
    const rle = rleFromPolygon([0.5, 0.5, 2.5, 0.5, 2.5, 2.5, 0.5, 2.5], 4, 4)
    expect(rleArea(rle)).toBe(4)
    expect(pixelsOf(rleDecode(rle), 4)).toEqual(rectanglePixels(1, 2, 1, 2))
  })

  it('rasterises the triangle (0,0), (10,0), (0,10) to the 45 pixels with X + Y ≤ 8', () => {
    // The top edge turns columns 0..9 on at row 0, as for the square. The hypotenuse, fine
    // (50,0) → (0,50), is walked as v = 50 - u; its step between fine columns 5X+2 and 5X+3 has
    // fine y 48 - 5X and 47 - 5X, the smaller mapping to row (47.5 - 5X)/5 - .5 = 9 - X exactly.
    // So column X holds rows 0..8-X (column 9: on and off at row 0, nothing): 9 + 8 + … + 1 = 45
    // pixels, those whose centre satisfies (X + .5) + (Y + .5) < 10. The continuous area is 50:
    // the diagonal pixels, centres exactly on the hypotenuse, fall outside.
    const rle = rleFromPolygon([0, 0, 10, 0, 0, 10], 12, 12)
    expect(rleArea(rle)).toBe(45)
    const expected: string[] = []
    for (let x = 0; x <= 8; x++) for (let y = 0; y <= 8 - x; y++) expected.push(`${x},${y}`)
    expect(pixelsOf(rleDecode(rle), 12)).toEqual(expected)
    expect(Array.from(rle.counts)).toEqual([
      0, 9, 3, 8, 4, 7, 5, 6, 6, 5, 7, 4, 8, 3, 9, 2, 10, 1, 47,
    ])
  })

  it('gives the same pixels whichever way round and from whichever vertex the polygon runs', () => {
    const polygon = [1.2, 0.7, 9.6, 2.1, 7.3, 8.8, 2.2, 6.4]
    const reversed = [2.2, 6.4, 7.3, 8.8, 9.6, 2.1, 1.2, 0.7]
    const rotated = [9.6, 2.1, 7.3, 8.8, 2.2, 6.4, 1.2, 0.7]
    const mask = Array.from(rleFromPolygon(polygon, 11, 11).counts)
    expect(Array.from(rleFromPolygon(reversed, 11, 11).counts)).toEqual(mask)
    expect(Array.from(rleFromPolygon(rotated, 11, 11).counts)).toEqual(mask)
  })

  it('clips a polygon larger than the image to the image', () => {
    const rle = rleFromPolygon([-5, -5, 30, -5, 30, 30, -5, 30], 6, 8)
    expect(Array.from(rle.counts)).toEqual([0, 48])
    expect(rleToBbox(rle)).toEqual([0, 0, 8, 6])
  })

  it('gives an empty mask for polygons with no area or no points', () => {
    expect(Array.from(rleFromPolygon([], 4, 5).counts)).toEqual([20])
    expect(Array.from(rleFromPolygon([1, 1], 4, 5).counts)).toEqual([20])
    expect(Array.from(rleFromPolygon([1, 1, 3, 3], 4, 5).counts)).toEqual([20])
    expect(Array.from(rleFromPolygon([0, 0, 3, 0, 3, 3, 0, 3], 0, 0).counts)).toEqual([0])
  })

  it('agrees pixel for pixel with the per-pixel reference on random polygons', () => {
    const random = seededRandom(2024)
    for (let trial = 0; trial < 400; trial++) {
      const height = 1 + Math.floor(random() * 24)
      const width = 1 + Math.floor(random() * 24)
      const points = 3 + Math.floor(random() * 9)
      const snap = random()
      const xy: number[] = []
      for (let i = 0; i < points; i++) {
        // Some vertices outside the image, some on integer or half-integer positions.
        let x = random() * (width + 8) - 4
        let y = random() * (height + 8) - 4
        if (snap < 0.3) [x, y] = [Math.round(x * 2) / 2, Math.round(y * 2) / 2]
        xy.push(x, y)
      }
      const rle = rleFromPolygon(xy, height, width)
      expect(rle.counts.reduce((sum, c) => sum + c, 0)).toBe(height * width)
      expect(rleDecode(rle)).toEqual(referenceMask(xy, height, width))
    }
  })
})

describe('rleFromBox', () => {
  it('fills the box [x, y, w, h] like the polygon of its corners', () => {
    const rle = rleFromBox([2, 1, 3, 4], 8, 8)
    expect(pixelsOf(rleDecode(rle), 8)).toEqual(rectanglePixels(2, 4, 1, 4))
    expect(rleToBbox(rle)).toEqual([2, 1, 3, 4])
  })
})
