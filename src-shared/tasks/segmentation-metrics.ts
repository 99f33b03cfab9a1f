// What an instance-segmentation run reports: the detector's losses plus the mask loss per epoch,
// with validation mask mAP@.5; at the end COCOeval twice — on masks (iouType 'segm') and on boxes
// beside it — and the validation images whose masks were worst, with predicted and true masks.

import type { CompressedRle } from '../coco-mask/rle-string'
import type { CocoEvalReport } from '../coco-eval-report'
import type { ObjectRunFacts, ReviewBox } from './detection-metrics'

export interface SegmentationEpochMetrics {
  task: 'instance_segmentation'
  epoch: number
  epochs: number
  /** Training loss: heatmap + box + mask parts, averaged over the epoch's batches. */
  loss: number
  heatmapLoss: number
  boxLoss: number
  /** Binary cross-entropy of the assembled masks inside their boxes, weighted by box area. */
  maskLoss: number
  valLoss: number
  /** COCO mask AP at IoU .5 on the validation images, with this epoch's weights. */
  valMaskMap50: number
  imagesPerSec: number
  elapsedMs: number
}

/** A drawn object of a reviewed image: its box, and its mask in the image's own pixels. */
export interface ReviewMask extends ReviewBox {
  mask: CompressedRle
}

export interface SegmentationImageReview {
  file: string
  width: number
  height: number
  /** At mask IoU .5: true objects nothing matched, and predicted masks that matched nothing. */
  missed: number
  falseDetections: number
  predicted: ReviewMask[]
  groundTruth: ReviewMask[]
}

export interface SegmentationTrainingMetrics extends ObjectRunFacts {
  task: 'instance_segmentation'
  epochs: SegmentationEpochMetrics[]
  /** Of the epoch whose weights the model keeps. */
  finalValMaskMap50: number
  /** COCOeval on masks (iouType 'segm') with the kept weights. */
  maskCoco: CocoEvalReport
  /** COCOeval on the same detections' boxes. */
  boxCoco: CocoEvalReport
  /** The validation images with the most missed or false masks, worst first (at most 12). */
  worstImages: SegmentationImageReview[]
}
