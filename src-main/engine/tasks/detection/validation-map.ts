// COCO AP at IoU .5 of decoded boxes against true ones, both in model-input pixels: the number a
// detection run watches every epoch (early stopping, the learning-rate schedule). The same
// COCOeval port as the final report, restricted to the one threshold and area range it needs.

import type { CocoDetectionResult, CocoEvalGroundTruth } from '../../../../src-shared/coco'
import type { DecodedBox } from '../../../../src-shared/tasks/detection-output'
import { accumulateEvaluation, evaluateImages } from '../../evaluation/coco-eval'
import { COCO_AREA_RANGES, defaultCocoEvalParams } from '../../evaluation/coco-eval-params'
import { averagePrecision } from '../../evaluation/coco-summary'
import { boxIouKind } from '../../evaluation/iou'
import type { DetectionBox } from './train-detector'

/** True boxes of images, COCO style, with category id = class index + 1. */
export function groundTruthsOf(
  boxes: readonly (readonly DetectionBox[])[],
  area: (box: DetectionBox) => number = (box) => box.bbox[2] * box.bbox[3],
): CocoEvalGroundTruth[] {
  let id = 1
  return boxes.flatMap((imageBoxes, imageId) =>
    imageBoxes.map((box) => ({
      id: id++,
      image_id: imageId,
      category_id: box.classIndex + 1,
      bbox: [...box.bbox],
      area: area(box),
      iscrowd: box.iscrowd,
    })),
  )
}

export function detectionsOf(decoded: readonly (readonly DecodedBox[])[]): CocoDetectionResult[] {
  return decoded.flatMap((boxes, imageId) =>
    boxes.map((box) => ({
      image_id: imageId,
      category_id: box.classIndex + 1,
      bbox: [...box.bbox],
      score: box.score,
    })),
  )
}

/** AP@.5 (all areas, 100 detections) over the classes; 0 when no class has a true box. */
export function validationMap50(
  decoded: readonly (readonly DecodedBox[])[],
  truth: readonly (readonly DetectionBox[])[],
  numClasses: number,
): number {
  const params = {
    ...defaultCocoEvalParams(),
    iouThresholds: [0.5],
    areaRanges: COCO_AREA_RANGES.filter((range) => range.label === 'all'),
  }
  const evaluation = evaluateImages({
    imageIds: truth.map((_, i) => i),
    categoryIds: Array.from({ length: numClasses }, (_, k) => k + 1),
    groundTruths: groundTruthsOf(truth),
    detections: detectionsOf(decoded),
    kind: boxIouKind,
    params,
  })
  const ap = averagePrecision(accumulateEvaluation(evaluation), {
    iouThreshold: 0.5,
    area: 'all',
    maxDets: 100,
  })
  return ap < 0 ? 0 : ap
}
