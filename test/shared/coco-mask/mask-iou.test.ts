import { describe, expect, it } from 'vitest'
import { emptyRle, rleEncode } from '../../../src-shared/coco-mask/rle'
import { rleFromPolygon } from '../../../src-shared/coco-mask/polygon-to-rle'
import { boxIou, maskIou, maskIouMatrix } from '../../../src-shared/coco-mask/mask-iou'

/** The square [x, x + side] × [y, y + side] on a 20 × 20 image: side² pixels. */
function square(x: number, y: number, side: number) {
  return rleFromPolygon([x, y, x + side, y, x + side, y + side, x, y + side], 20, 20)
}

describe('maskIou', () => {
  it('divides the shared pixels by the union for overlapping squares', () => {
    // 10 × 10 squares offset by (5, 5): 25 shared pixels, union 100 + 100 - 25 = 175 → 1/7.
    expect(maskIou(square(0, 0, 10), square(5, 5, 10), false)).toBe(1 / 7)
    // Offset by (5, 0): 50 shared, union 150 → 1/3.
    expect(maskIou(square(0, 0, 10), square(5, 0, 10), false)).toBe(1 / 3)
    // A 4 × 4 square inside a 10 × 10 one: 16 / 100.
    expect(maskIou(square(2, 2, 4), square(0, 0, 10), false)).toBe(0.16)
    expect(maskIou(square(3, 3, 6), square(3, 3, 6), false)).toBe(1)
  })

  it('divides by the detection area alone against a crowd ground truth', () => {
    // A detection inside the crowd region is a full match whatever the region's size…
    expect(maskIou(square(2, 2, 4), square(0, 0, 10), true)).toBe(1)
    // …and one half inside counts half: 50 shared of the detection's 100 pixels.
    expect(maskIou(square(5, 0, 10), square(0, 0, 10), true)).toBe(0.5)
    // The rule is not symmetric: with the roles swapped it is 16 shared / 100 detected.
    expect(maskIou(square(0, 0, 10), square(2, 2, 4), true)).toBe(0.16)
  })

  it('is 0 for disjoint or empty masks', () => {
    expect(maskIou(square(0, 0, 5), square(10, 10, 5), false)).toBe(0)
    // Boxes overlap ([0,0,10,10] around the L and the square in its notch) but pixels do not.
    const notched = rleFromPolygon([0, 0, 10, 0, 10, 5, 5, 5, 5, 10, 0, 10], 20, 20)
    expect(maskIou(notched, square(6, 6, 3), false)).toBe(0)
    expect(maskIou(emptyRle(20, 20), square(0, 0, 5), false)).toBe(0)
    expect(maskIou(emptyRle(20, 20), square(0, 0, 5), true)).toBe(0)
  })

  it('is -1 for masks of different sizes whose boxes overlap, 0 when they do not', () => {
    const small = rleEncode(Uint8Array.of(1, 1, 1, 1), 2, 2)
    expect(maskIou(small, square(0, 0, 5), false)).toBe(-1)
    expect(maskIou(small, square(10, 10, 5), false)).toBe(0)
  })

  it('lays the matrix out as [detection][ground truth] with crowd flags per ground truth', () => {
    const detections = [square(0, 0, 10), square(2, 2, 4)]
    const truths = [square(5, 5, 10), square(0, 0, 10)]
    // [2,6]² against [5,15]² shares only pixel (5, 5): 1 / (16 + 100 - 1).
    expect(maskIouMatrix(detections, truths, [false, true])).toEqual([
      [1 / 7, 1],
      [1 / 115, 1],
    ])
    expect(maskIouMatrix([], truths, [false, false])).toEqual([])
    expect(maskIouMatrix(detections, [], [])).toEqual([[], []])
  })
})

describe('boxIou', () => {
  it('divides by the union, or by the detection against a crowd box', () => {
    expect(boxIou([0, 0, 10, 10], [5, 5, 10, 10], false)).toBe(1 / 7)
    expect(boxIou([0, 0, 10, 10], [5, 5, 10, 10], true)).toBe(0.25)
    expect(boxIou([0, 0, 10, 10], [10, 0, 10, 10], false)).toBe(0)
  })
})
