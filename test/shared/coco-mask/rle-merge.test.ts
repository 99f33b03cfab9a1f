import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-shared/seeded-random'
import { rleArea, rleDecode, rleEncode } from '../../../src-shared/coco-mask/rle'
import { rleMerge } from '../../../src-shared/coco-mask/rle-merge'
import { rleFromPolygon } from '../../../src-shared/coco-mask/polygon-to-rle'

function randomMask(random: () => number, size: number): Uint8Array {
  const density = random()
  // Runs rather than independent pixels, so merges meet long and short runs and shared edges.
  const mask = new Uint8Array(size)
  let value = random() < 0.5 ? 1 : 0
  for (let i = 0; i < size; i++) {
    if (random() < 0.3) value = random() < density ? 1 : 0
    mask[i] = value
  }
  return mask
}

describe('rleMerge', () => {
  it('unites and intersects two overlapping squares', () => {
    // [0,10]² and [5,15]² on 20 × 20: 100 pixels each, 25 shared (columns and rows 5..9).
    const a = rleFromPolygon([0, 0, 10, 0, 10, 10, 0, 10], 20, 20)
    const b = rleFromPolygon([5, 5, 15, 5, 15, 15, 5, 15], 20, 20)
    expect(rleArea(rleMerge([a, b]))).toBe(175)
    const shared = rleMerge([a, b], true)
    expect(rleArea(shared)).toBe(25)
    expect(Array.from(shared.counts)).toEqual([105, 5, 15, 5, 15, 5, 15, 5, 15, 5, 210])
  })

  it('matches pixel-wise OR and AND over several random masks', () => {
    const random = seededRandom(99)
    for (let trial = 0; trial < 150; trial++) {
      const height = 1 + Math.floor(random() * 12)
      const width = 1 + Math.floor(random() * 12)
      const size = height * width
      const masks = Array.from({ length: 2 + Math.floor(random() * 3) }, () =>
        randomMask(random, size),
      )
      const union = new Uint8Array(size)
      const intersection = new Uint8Array(size).fill(1)
      for (const mask of masks)
        for (let i = 0; i < size; i++) {
          union[i] = union[i]! | mask[i]!
          intersection[i] = intersection[i]! & mask[i]!
        }
      const rles = masks.map((mask) => rleEncode(mask, height, width))
      const merged = rleMerge(rles)
      const common = rleMerge(rles, true)
      expect(rleDecode(merged)).toEqual(union)
      expect(rleDecode(common)).toEqual(intersection)
      // The same runs encoding would give: no zero-length runs after the first.
      expect(merged.counts).toEqual(rleEncode(union, height, width).counts)
      expect(common.counts).toEqual(rleEncode(intersection, height, width).counts)
    }
  })

  it('keeps a leading zero run when the merged mask starts with a set pixel', () => {
    const a = rleEncode(Uint8Array.of(1, 0, 0, 0), 2, 2)
    const b = rleEncode(Uint8Array.of(1, 1, 0, 1), 2, 2)
    expect(Array.from(rleMerge([a, b]).counts)).toEqual([0, 2, 1, 1])
    expect(Array.from(rleMerge([a, b], true).counts)).toEqual([0, 1, 3])
  })

  it('returns a copy of a single mask, and a 0 × 0 mask for none or for mixed sizes', () => {
    const a = rleEncode(Uint8Array.of(0, 1, 1, 0), 2, 2)
    const alone = rleMerge([a])
    expect(Array.from(alone.counts)).toEqual([1, 2, 1])
    expect(alone.counts).not.toBe(a.counts)
    expect(rleMerge([])).toEqual({ height: 0, width: 0, counts: new Uint32Array(0) })
    const other = rleEncode(new Uint8Array(6), 2, 3)
    expect(rleMerge([a, other])).toEqual({ height: 0, width: 0, counts: new Uint32Array(0) })
  })
})
