// The final evaluation of a trained detector on its validation images, with the weights it keeps:
// COCOeval in each image's own pixels (so small/medium/large mean what COCO means), per-class AP
// and precision–recall curves, and the images with the most missed or false boxes, their
// predicted and true boxes ready to draw.

import type { CocoEvalReport } from '../../../../src-shared/coco-eval-report'
import type {
  DetectionImageReview,
  ReviewBox,
} from '../../../../src-shared/tasks/detection-metrics'
import {
  PREDICTION_DECODE,
  toImagePixels,
  type DecodedBox,
} from '../../../../src-shared/tasks/detection-output'
import { evaluateBoxes, evaluateImages, imageErrors } from '../../evaluation/coco-eval'
import { boxIouKind } from '../../evaluation/iou'

/** Review images reported, worst first. */
export const WORST_IMAGES = 12

/** A validation image's truth in its own pixels, as the dataset gives it. */
export interface EvaluatedImage {
  file: string
  width: number
  height: number
  boxes: {
    classIndex: number
    bbox: [number, number, number, number]
    area: number
    iscrowd: 0 | 1
  }[]
}

export interface DetectorEvaluation {
  coco: CocoEvalReport
  worstImages: DetectionImageReview[]
}

/**
 * COCO's report for decoded boxes (model-input pixels, one list per image) against the images'
 * truth. Category ids are the classes' own (`classes[k].categoryId`), so the report reads like
 * COCOeval on the dataset's annotations.
 */
export function evaluateDetections(opts: {
  decoded: readonly (readonly DecodedBox[])[]
  images: readonly EvaluatedImage[]
  classes: readonly { name: string; categoryId: number }[]
  inputSize: number
}): DetectorEvaluation {
  const { decoded, images, classes, inputSize } = opts
  const input = { width: inputSize, height: inputSize }
  const categoryOf = (classIndex: number) => classes[classIndex]?.categoryId ?? classIndex + 1
  const predicted = images.map((image, imageId) =>
    (decoded[imageId] ?? []).map((box) => ({
      classIndex: box.classIndex,
      score: box.score,
      bbox: toImagePixels(box.bbox, input, image),
    })),
  )
  let id = 1
  const groundTruths = images.flatMap((image, imageId) =>
    image.boxes.map((box) => ({
      id: id++,
      image_id: imageId,
      category_id: categoryOf(box.classIndex),
      bbox: box.bbox,
      area: box.area,
      iscrowd: box.iscrowd,
    })),
  )
  const detections = predicted.flatMap((boxes, imageId) =>
    boxes.map((box) => ({
      image_id: imageId,
      category_id: categoryOf(box.classIndex),
      bbox: box.bbox,
      score: box.score,
    })),
  )
  const imageIds = images.map((_, i) => i)
  const categoryIds = classes.map((info) => info.categoryId)
  const coco = evaluateBoxes({ imageIds, categoryIds, groundTruths, detections })
  // The review shows what a user sees (boxes above the prediction threshold), so its misses and
  // false boxes are counted on those, not on the low-score tail COCO's recall rewards.
  const shown = (score: number) => score >= PREDICTION_DECODE.scoreThreshold
  const reviewErrors = imageErrors(
    evaluateImages({
      imageIds,
      categoryIds,
      groundTruths,
      detections: detections.filter((d) => shown(d.score)),
      kind: boxIouKind,
    }),
  )
  const nameOf = (classIndex: number) => classes[classIndex]?.name ?? String(classIndex)
  const worstImages = reviewErrors.slice(0, WORST_IMAGES).map((errors) => {
    const image = images[errors.imageId] as EvaluatedImage
    const visible = (predicted[errors.imageId] ?? []).filter((box) => shown(box.score))
    const predictedBoxes: ReviewBox[] = visible.map((box) => ({
      categoryId: categoryOf(box.classIndex),
      category: nameOf(box.classIndex),
      bbox: box.bbox,
      score: box.score,
    }))
    const groundTruth: ReviewBox[] = image.boxes.map((box) => ({
      categoryId: categoryOf(box.classIndex),
      category: nameOf(box.classIndex),
      bbox: box.bbox,
      ...(box.iscrowd === 1 && { iscrowd: 1 as const }),
    }))
    return {
      file: image.file,
      width: image.width,
      height: image.height,
      missed: errors.missed,
      falseDetections: errors.falseDetections,
      predicted: predictedBoxes,
      groundTruth,
    }
  })
  return { coco, worstImages }
}
