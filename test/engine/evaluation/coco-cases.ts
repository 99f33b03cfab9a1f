// Builders for hand-made COCO evaluation cases: ground truths and detections in COCO's own
// shapes, and one call that evaluates them as boxes.

import type { CocoDetectionResult, CocoEvalGroundTruth } from '../../../src-shared/coco'
import type { CocoEvalReport } from '../../../src-shared/coco-eval-report'
import { evaluateBoxes } from '../../../src-main/engine/evaluation/coco-eval'
import type { CocoEvalParams } from '../../../src-main/engine/evaluation/coco-eval-params'

type Box = [number, number, number, number]

let nextId = 1

/** A ground truth whose area is the box's unless given; `crowd` marks iscrowd 1. */
export function gt(
  image: number,
  bbox: Box,
  options: { category?: number; area?: number; crowd?: boolean } = {},
): CocoEvalGroundTruth {
  return {
    id: nextId++,
    image_id: image,
    category_id: options.category ?? 1,
    bbox,
    area: options.area ?? bbox[2] * bbox[3],
    iscrowd: options.crowd ? 1 : 0,
  }
}

export function dt(image: number, bbox: Box, score: number, category = 1): CocoDetectionResult {
  return { image_id: image, category_id: category, bbox, score }
}

/** `n` boxes of 10×10 in a row, far apart, so none overlaps another. */
export const apart = (n: number, y = 0): Box[] =>
  Array.from({ length: n }, (_, i): Box => [i * 20, y, 10, 10])

export function evaluate(
  groundTruths: CocoEvalGroundTruth[],
  detections: CocoDetectionResult[],
  options: { imageIds?: number[]; categoryIds?: number[]; params?: CocoEvalParams } = {},
): CocoEvalReport {
  const imageIds = options.imageIds ?? [
    ...new Set([...groundTruths, ...detections].map((a) => a.image_id)),
  ]
  return evaluateBoxes({
    imageIds,
    categoryIds: options.categoryIds ?? [1],
    groundTruths,
    detections,
    ...(options.params ? { params: options.params } : {}),
  })
}

/** Values to 9 decimals: COCO's precision is tp / (tp + fp + 2⁻⁵²), so a perfect score is
 *  an ulp or two below 1, as pycocotools reports it. */
export const rounded = <T extends Record<string, number | null> | (number | null)[]>(
  values: T,
): T =>
  (Array.isArray(values)
    ? values.map((v) => (v === null ? v : Math.round(v * 1e9) / 1e9))
    : Object.fromEntries(
        Object.entries(values).map(([k, v]) => [k, v === null ? v : Math.round(v * 1e9) / 1e9]),
      )) as T
