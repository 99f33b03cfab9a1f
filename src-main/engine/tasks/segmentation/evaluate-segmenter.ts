// The final evaluation of a trained segmenter on its validation images, with the weights it keeps:
// COCOeval on masks (iouType 'segm') and on the same detections' boxes, both in each image's own
// pixels, and the images with the most missed or false masks, their predicted and true masks as
// compressed RLE ready to draw.

import { rleFromBox } from '../../../../src-shared/coco-mask/polygon-to-rle'
import type { Rle } from '../../../../src-shared/coco-mask/rle'
import {
  rleCountsFromString,
  rleToCompressed,
  type CompressedRle,
} from '../../../../src-shared/coco-mask/rle-string'
import type { CocoEvalReport } from '../../../../src-shared/coco-eval-report'
import { PREDICTION_DECODE, toImagePixels } from '../../../../src-shared/tasks/detection-output'
import type {
  ReviewMask,
  SegmentationImageReview,
} from '../../../../src-shared/tasks/segmentation-metrics'
import { evaluateImages, imageErrors } from '../../evaluation/coco-eval'
import { evaluateMasks, maskIouKind } from '../../evaluation/mask-iou-kind'
import {
  evaluateDetections,
  WORST_IMAGES,
  type EvaluatedImage,
} from '../detection/evaluate-detector'
import type { MaskedBox } from './train-segmenter'

/** A validation image's truth in its own pixels: boxes with their masks. */
export interface EvaluatedSegmentationImage extends EvaluatedImage {
  boxes: (EvaluatedImage['boxes'][number] & { mask?: CompressedRle })[]
}

export interface SegmenterEvaluation {
  maskCoco: CocoEvalReport
  boxCoco: CocoEvalReport
  worstImages: SegmentationImageReview[]
}

/** A true object's mask; a box without one (never after validation) counts as its rectangle. */
function truthMask(
  box: EvaluatedSegmentationImage['boxes'][number],
  image: { width: number; height: number },
): Rle {
  const parsed = box.mask && rleCountsFromString(box.mask.counts)
  if (box.mask && parsed && parsed.ok)
    return { height: box.mask.size[0], width: box.mask.size[1], counts: parsed.counts }
  return rleFromBox(box.bbox, image.height, image.width)
}

/**
 * `masked`: per validation image, its decoded boxes (model-input pixels) with masks already in
 * that image's own pixels. Category ids are the classes' own, as in the detector's report.
 */
export function evaluateSegmentations(opts: {
  masked: readonly (readonly MaskedBox[])[]
  images: readonly EvaluatedSegmentationImage[]
  classes: readonly { name: string; categoryId: number }[]
  inputSize: number
}): SegmenterEvaluation {
  const { masked, images, classes, inputSize } = opts
  const input = { width: inputSize, height: inputSize }
  const categoryOf = (classIndex: number) => classes[classIndex]?.categoryId ?? classIndex + 1
  const nameOf = (classIndex: number) => classes[classIndex]?.name ?? String(classIndex)
  const boxCoco = evaluateDetections({ decoded: masked, images, classes, inputSize }).coco
  let id = 1
  const truths = images.map((image) => image.boxes.map((box) => truthMask(box, image)))
  const groundTruths = images.flatMap((image, imageId) =>
    image.boxes.map((box, k) => ({
      id: id++,
      image_id: imageId,
      category_id: categoryOf(box.classIndex),
      area: box.area,
      iscrowd: box.iscrowd,
      segmentation: truths[imageId]?.[k] as Rle,
    })),
  )
  const detections = masked.flatMap((boxes, imageId) =>
    boxes.map((box) => ({
      image_id: imageId,
      category_id: categoryOf(box.classIndex),
      score: box.score,
      segmentation: box.mask,
    })),
  )
  const imageIds = images.map((_, i) => i)
  const categoryIds = classes.map((info) => info.categoryId)
  const maskCoco = evaluateMasks({ imageIds, categoryIds, groundTruths, detections })
  // As for boxes, the review counts what a user sees: masks above the prediction threshold.
  const shown = (score: number) => score >= PREDICTION_DECODE.scoreThreshold
  const errors = imageErrors(
    evaluateImages({
      imageIds,
      categoryIds,
      groundTruths,
      detections: detections.filter((d) => shown(d.score)),
      kind: maskIouKind,
    }),
  )
  const worstImages = errors.slice(0, WORST_IMAGES).map((found) => {
    const image = images[found.imageId] as EvaluatedSegmentationImage
    const predicted: ReviewMask[] = (masked[found.imageId] ?? [])
      .filter((box) => shown(box.score))
      .map((box) => ({
        categoryId: categoryOf(box.classIndex),
        category: nameOf(box.classIndex),
        bbox: toImagePixels(box.bbox, input, image),
        score: box.score,
        mask: rleToCompressed(box.mask),
      }))
    const groundTruth: ReviewMask[] = image.boxes.map((box, k) => ({
      categoryId: categoryOf(box.classIndex),
      category: nameOf(box.classIndex),
      bbox: box.bbox,
      ...(box.iscrowd === 1 && { iscrowd: 1 as const }),
      mask: box.mask ?? rleToCompressed(truths[found.imageId]?.[k] as Rle),
    }))
    return {
      file: image.file,
      width: image.width,
      height: image.height,
      missed: found.missed,
      falseDetections: found.falseDetections,
      predicted,
      groundTruth,
    }
  })
  return { maskCoco, boxCoco, worstImages }
}
