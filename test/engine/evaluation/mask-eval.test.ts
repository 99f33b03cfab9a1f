import { describe, expect, it } from 'vitest'
import { evaluateBoxes } from '../../../src-main/engine/evaluation/coco-eval'
import { evaluateMasks } from '../../../src-main/engine/evaluation/mask-iou-kind'
import { rleFromBox, rleFromPolygon } from '../../../src-shared/coco-mask/polygon-to-rle'
import { rleArea, type CocoBox } from '../../../src-shared/coco-mask/rle'
import { seededRandom } from '../../../src-shared/seeded-random'

const H = 60
const W = 80

describe('COCO evaluation of masks (iouType segm)', () => {
  it('gives the box evaluation’s numbers when every mask is its pixel-aligned box', () => {
    const random = seededRandom(7)
    const int = (low: number, high: number) => low + Math.floor(random() * (high - low))
    const box = (): CocoBox => {
      const w = int(4, 30)
      const h = int(4, 30)
      return [int(0, W - w), int(0, H - h), w, h]
    }
    const truths = Array.from({ length: 40 }, (_, i) => {
      const bbox = box()
      return {
        id: i + 1,
        image_id: 1 + (i % 8),
        category_id: 1 + (i % 3),
        bbox,
        area: bbox[2] * bbox[3],
        iscrowd: i % 13 === 0 ? 1 : 0,
      }
    })
    const detections = truths.flatMap((t, i) => {
      const [x, y, w, h] = t.bbox
      const shifted: CocoBox = [Math.min(W - w, x + (i % 4)), y, w, h]
      return [
        { image_id: t.image_id, category_id: t.category_id, bbox: shifted, score: random() },
        { image_id: t.image_id, category_id: 1 + (i % 3), bbox: box(), score: random() / 2 },
      ]
    })
    const ids = { imageIds: [1, 2, 3, 4, 5, 6, 7, 8], categoryIds: [1, 2, 3] }
    const boxes = evaluateBoxes({ ...ids, groundTruths: truths, detections })
    const masks = evaluateMasks({
      ...ids,
      groundTruths: truths.map((t) => ({ ...t, segmentation: rleFromBox(t.bbox, H, W) })),
      detections: detections.map((d) => ({ ...d, segmentation: rleFromBox(d.bbox, H, W) })),
    })
    expect(boxes.stats.ap).toBeGreaterThan(0.1)
    for (const [key, value] of Object.entries(boxes.stats))
      expect(masks.stats[key as keyof typeof masks.stats], key).toBeCloseTo(value, 12)
  })

  it('matches by mask overlap, not box overlap: a triangle’s mirror image misses', () => {
    const triangle = [10, 10, 50, 10, 10, 50]
    const mirrored = [10, 10, 50, 10, 50, 50]
    const truth = rleFromPolygon(triangle, H, W)
    const base = { image_id: 1, category_id: 1, iscrowd: 0 }
    const report = evaluateMasks({
      imageIds: [1],
      categoryIds: [1],
      groundTruths: [{ ...base, id: 1, area: rleArea(truth), segmentation: truth }],
      detections: [
        { ...base, score: 0.9, segmentation: rleFromPolygon(mirrored, H, W) },
        { ...base, score: 0.5, segmentation: rleFromPolygon(triangle, H, W) },
      ],
    })
    // Same box, IoU of the masks about 1/3: the better-scored detection is a false one.
    expect(report.stats.ap50).toBeCloseTo(0.5, 2)
    expect(report.imageErrors).toEqual([{ imageId: 1, missed: 0, falseDetections: 1 }])
  })

  it('scores a detection inside a crowd region as covered, neither true nor false', () => {
    const crowd = rleFromBox([0, 0, 40, 40], H, W)
    const object = rleFromBox([50, 10, 20, 20], H, W)
    const base = { image_id: 1, category_id: 1 }
    const report = evaluateMasks({
      imageIds: [1],
      categoryIds: [1],
      groundTruths: [
        { ...base, id: 1, area: 1600, iscrowd: 1, segmentation: crowd },
        { ...base, id: 2, area: 400, iscrowd: 0, segmentation: object },
      ],
      detections: [
        { ...base, score: 0.9, segmentation: rleFromBox([5, 5, 10, 10], H, W) },
        { ...base, score: 0.8, segmentation: object },
      ],
    })
    expect(report.stats.ap).toBeCloseTo(1, 12)
  })
})
