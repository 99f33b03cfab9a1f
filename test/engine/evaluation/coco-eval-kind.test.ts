import { describe, expect, it } from 'vitest'
import { cocoEvalReport } from '../../../src-main/engine/evaluation/coco-eval'
import type { IouKind } from '../../../src-main/engine/evaluation/iou'

// A stand-in for masks: each object is a set of pixel numbers. It shows that matching and
// the detections' area ranges come from the kind, not from boxes.
interface PixelDetection {
  image_id: number
  category_id: number
  score: number
  pixels: number[]
}
interface PixelTruth {
  id: number
  image_id: number
  category_id: number
  area: number
  iscrowd: number
  pixels: number[]
}

const pixelKind: IouKind<PixelDetection, PixelTruth> = {
  name: 'segm',
  iou: (dts, gts) =>
    dts.map((d) =>
      Float64Array.from(gts, (g) => {
        const inside = d.pixels.filter((p) => g.pixels.includes(p)).length
        const union = g.iscrowd ? d.pixels.length : d.pixels.length + g.pixels.length - inside
        return inside / union
      }),
    ),
  detectionArea: (d) => d.pixels.length,
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i)

describe('COCO evaluation with another overlap kind', () => {
  it('matches by the kind’s IoU and ranges detections by the kind’s area', () => {
    const truth: PixelTruth = {
      id: 1,
      image_id: 1,
      category_id: 1,
      area: 3,
      iscrowd: 0,
      pixels: [0, 1, 2],
    }
    // IoU 2/3 with the truth: a hit at .50–.65. The false one has 2000 pixels: "medium", so
    // ignored in "small", counted in "all".
    const report = cocoEvalReport({
      imageIds: [1],
      categoryIds: [1],
      groundTruths: [truth],
      detections: [
        { image_id: 1, category_id: 1, score: 0.9, pixels: range(100, 2000) },
        { image_id: 1, category_id: 1, score: 0.8, pixels: [0, 1] },
      ],
      kind: pixelKind,
    })
    expect(report.stats.ap50).toBeCloseTo(0.5, 12)
    expect(report.stats.apSmall).toBeCloseTo(0.4, 12)
    expect(report.stats.ap).toBeCloseTo(0.2, 12)
  })
})
