import { describe, expect, it } from 'vitest'
import { boxIou, boxIouKind } from '../../../src-main/engine/evaluation/iou'

describe('box IoU', () => {
  it('is intersection over union for regular ground truths', () => {
    // Two 10×10 boxes overlapping by 5×10: 50 / (100 + 100 - 50).
    expect(boxIou([0, 0, 10, 10], [5, 0, 10, 10], false)).toBeCloseTo(1 / 3, 15)
    expect(boxIou([0, 0, 10, 10], [0, 0, 10, 10], false)).toBe(1)
  })

  it('is intersection over the detection area for a crowd ground truth', () => {
    // Same overlap, 50, over the detection's 100 only.
    expect(boxIou([0, 0, 10, 10], [5, 0, 10, 10], true)).toBe(0.5)
    // Wholly inside a huge crowd region: 1, however small against the region.
    expect(boxIou([10, 10, 5, 5], [0, 0, 1000, 1000], true)).toBe(1)
  })

  it('is 0 for boxes that only touch or are apart, including at the origin', () => {
    expect(boxIou([0, 0, 10, 10], [10, 0, 10, 10], false)).toBe(0)
    expect(boxIou([0, 0, 10, 10], [0, 20, 10, 10], true)).toBe(0)
  })

  it('gives the matrix detections × ground truths with each one its crowd flag', () => {
    const gts = [
      { id: 1, image_id: 1, category_id: 1, bbox: [5, 0, 10, 10], area: 100, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 1, bbox: [5, 0, 10, 10], area: 100, iscrowd: 1 },
    ]
    const dts = [{ image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], score: 1 }]
    const m = boxIouKind.iou(dts, gts)
    expect(m).toHaveLength(1)
    expect(m[0]![0]).toBeCloseTo(1 / 3, 15)
    expect(m[0]![1]).toBe(0.5)
    expect(boxIouKind.detectionArea(dts[0]!)).toBe(100)
  })
})
