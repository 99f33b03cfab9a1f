// COCOeval with iouType 'segm': the same matching and accumulation as boxes, with overlap measured
// on masks (COCO's RLE, through the project's mask library) and a detection's area taken as its
// mask's pixel count, as pycocotools does for segmentation results.

import type { CocoEvalReport } from '../../../src-shared/coco-eval-report'
import { maskIouMatrix } from '../../../src-shared/coco-mask/mask-iou'
import { rleArea, type Rle } from '../../../src-shared/coco-mask/rle'
import { cocoEvalReport } from './coco-eval'
import type { CocoEvalParams } from './coco-eval-params'
import type { EvalDetection, EvalGroundTruth, IouKind } from './iou'

export interface MaskDetection extends EvalDetection {
  segmentation: Rle
}

export interface MaskGroundTruth extends EvalGroundTruth {
  segmentation: Rle
}

export const maskIouKind: IouKind<MaskDetection, MaskGroundTruth> = {
  name: 'segm',
  iou(detections, groundTruths) {
    const matrix = maskIouMatrix(
      detections.map((d) => d.segmentation),
      groundTruths.map((g) => g.segmentation),
      groundTruths.map((g) => g.iscrowd !== 0),
    )
    return matrix.map((row) => Float64Array.from(row))
  },
  detectionArea: (d) => rleArea(d.segmentation),
}

/** The mask report (COCOeval with iouType 'segm'). */
export function evaluateMasks(input: {
  imageIds: readonly number[]
  categoryIds: readonly number[]
  groundTruths: readonly MaskGroundTruth[]
  detections: readonly MaskDetection[]
  params?: CocoEvalParams
}): CocoEvalReport {
  return cocoEvalReport({ ...input, kind: maskIouKind })
}
