// What a detection run reports: per epoch its losses and validation mAP@.5, at the end COCO's
// summary, per-class AP and precision–recall curves, and the validation images it got most wrong,
// with their predicted and true boxes so the UI can draw them. Plain JSON in metrics.json, the job
// result and the run history.

import type { CocoEvalReport } from '../coco-eval-report'
import type { ValidationSetIdentity } from '../model-versions'
import type { BackendName } from '../train-params'

export interface DetectionEpochMetrics {
  task: 'obj_detection'
  epoch: number
  epochs: number
  /** Training loss: the sum of the parts below, averaged over the epoch's batches. */
  loss: number
  /** Focal loss of the centre heatmap. */
  heatmapLoss: number
  /** L1 loss of box sizes and centre offsets. */
  boxLoss: number
  valLoss: number
  /** COCO AP at IoU .5 on the validation images, with this epoch's weights. */
  valMap50: number
  imagesPerSec: number
  elapsedMs: number
}

/** A box drawn on a reviewed image, in the image's own pixels. */
export interface ReviewBox {
  categoryId: number
  category: string
  bbox: [number, number, number, number]
  /** Predicted boxes only. */
  score?: number
  /** Ground truth only: a crowd region, neither a miss nor a match. */
  iscrowd?: 0 | 1
}

/** A validation image with what the model found against what is there. */
export interface DetectionImageReview {
  file: string
  width: number
  height: number
  /** At IoU .5: true boxes nothing matched, and predicted boxes that matched nothing. */
  missed: number
  falseDetections: number
  predicted: ReviewBox[]
  groundTruth: ReviewBox[]
}

/** What a run of any object task (detection, segmentation) reports beside its scores. */
export interface ObjectRunFacts {
  finalValLoss: number
  trainImages: number
  valImages: number
  classes: string[]
  /** The epoch whose weights the model keeps. */
  bestEpoch: number
  stoppedEarly: boolean
  /** The backend it trained on. */
  backend?: BackendName
  /** Which images the validation scores are on, so two runs' scores can be compared fairly. */
  validationSet?: ValidationSetIdentity
}

export interface DetectionTrainingMetrics extends ObjectRunFacts {
  task: 'obj_detection'
  epochs: DetectionEpochMetrics[]
  /** Of the epoch whose weights the model keeps. */
  finalValMap50: number
  /** COCOeval on the validation images with the kept weights: 12 stats, per-class AP, PR curves. */
  coco: CocoEvalReport
  /** The validation images with the most missed or false boxes, worst first (at most 12). */
  worstImages: DetectionImageReview[]
}
