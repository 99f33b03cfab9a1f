// The instance-segmentation branch of the training worker: the detection run's steps (decode at the
// input side, boxes scaled from each image's own pixels, seeded split) with each object's mask
// resampled onto the input grid, the segmenter trained, its kept weights evaluated with COCOeval
// on masks and boxes in the images' own pixels, and the model files, labels.json (how to decode
// boxes and assemble masks) and metrics.json written. Training checkpoints and resumes as
// detection's does.

import type { SegmentationTrainingMetrics } from '../../../src-shared/tasks/segmentation-metrics'
import type { BackendName } from '../../../src-shared/train-params'
import type { ClassificationItem } from '../../../src-shared/validate-annotations'
import {
  evaluateSegmentations,
  type EvaluatedSegmentationImage,
} from '../tasks/segmentation/evaluate-segmenter'
import { maskAtInput } from '../tasks/segmentation/instance-masks'
import { segmentationLabels } from '../tasks/segmentation/labels'
import { PROTOTYPE_STRIDE } from '../tasks/segmentation/model'
import {
  segmentationPass,
  trainSegmenter,
  type SegmentationBox,
  type SegmentationSet,
  type TrainedSegmenter,
} from '../tasks/segmentation/train-segmenter'
import { trainResumable } from './resumable-training'
import { detectorInputSide, trainingCallbacks, inputBoxes } from './detection-training'
import { exportObjectModel, objectRows, type Frame, type TrainingEnvironment } from './object-run'
import type { DetectionTrainingMessage, MetricsFile, TrainingRequest } from './training-protocol'

type Post = (message: DetectionTrainingMessage) => void

/** metrics.json of a segmentation run. */
export type SegmentationMetricsFile = SegmentationTrainingMetrics &
  Pick<MetricsFile, 'params' | 'threads' | 'skippedImages'> & { backend: BackendName }

/** An item's objects on the input grid: its boxes (as detection scales them) with their masks. */
function inputObjects(
  item: ClassificationItem,
  frame: Frame,
  side: number,
  classOf: Map<number, number>,
): SegmentationBox[] {
  const known = (item.boxes ?? []).filter((box) => classOf.has(box.categoryId))
  return inputBoxes(item, frame, side, classOf).map((box, k) => {
    const mask = known[k]?.mask
    return mask ? { ...box, mask: maskAtInput(mask, side) } : box
  })
}

export async function runSegmentationTraining(
  request: TrainingRequest,
  post: Post,
  env: TrainingEnvironment,
): Promise<void> {
  const side = detectorInputSide(request.params.imageSize)
  const { params, classOf, decoded, rows, frames, split } = await objectRows(
    request,
    post,
    env,
    side,
    'segmenter',
  )
  let trained: TrainedSegmenter | undefined
  try {
    const objects = rows.map((item, i) => inputObjects(item, frames[i]!, side, classOf))
    const part = (indices: number[]): SegmentationSet => ({
      images: decoded.set.select(indices),
      boxes: indices.map((i) => objects[i] ?? []),
    })
    const train = part(split.train)
    const val = part(split.val)
    const numClasses = request.classes.length
    trained = await trainResumable(
      request,
      trainSegmenter,
      { train, val, numClasses, params, callbacks: trainingCallbacks(post, params) },
      post,
    )
    // Masks of the kept weights, assembled straight in each validation image's own pixels.
    const pass = segmentationPass(
      trained.model,
      val,
      params.batchSize,
      numClasses,
      (row) => frames[split.val[row] as number] as Frame,
    )
    const images: EvaluatedSegmentationImage[] = split.val.map((row) => {
      const item = rows[row] as ClassificationItem
      return {
        file: item.fileName,
        ...(frames[row] as Frame),
        boxes: (item.boxes ?? []).flatMap((box) => {
          const classIndex = classOf.get(box.categoryId)
          if (classIndex === undefined) return []
          const { bbox, area, iscrowd, mask } = box
          return [{ classIndex, bbox, area, iscrowd, ...(mask && { mask }) }]
        }),
      }
    })
    const { maskCoco, boxCoco, worstImages } = evaluateSegmentations({
      masked: pass.masked,
      images,
      classes: request.classes,
      inputSize: side,
    })
    const { epochs, bestEpoch, stoppedEarly } = trained
    const kept = epochs[bestEpoch - 1] ?? epochs[epochs.length - 1]
    post({
      type: 'log',
      level: 'info',
      message:
        `Validation with the weights of epoch ${bestEpoch}: mask mAP@[.5:.95] ` +
        `${maskCoco.stats.ap.toFixed(3)}, mask mAP@.5 ${maskCoco.stats.ap50.toFixed(3)}, ` +
        `box mAP@.5 ${boxCoco.stats.ap50.toFixed(3)}`,
    })
    const metrics: SegmentationTrainingMetrics = {
      task: 'instance_segmentation',
      epochs,
      finalValMaskMap50: kept?.valMaskMap50 ?? NaN,
      finalValLoss: kept?.valLoss ?? NaN,
      trainImages: train.images.count,
      valImages: val.images.count,
      classes: request.classes.map((info) => info.name),
      bestEpoch,
      stoppedEarly,
      maskCoco,
      boxCoco,
      worstImages,
    }
    const labels = segmentationLabels({
      classes: request.classes,
      imageSize: side,
      stride: trained.stride,
      prototypeStride: PROTOTYPE_STRIDE,
    })
    const metricsFile: SegmentationMetricsFile = {
      ...metrics,
      backend: env.backend,
      params,
      threads: env.threads,
      skippedImages: decoded.skipped,
    }
    await exportObjectModel(
      request,
      params,
      { model: trained.model, labels, metrics, metricsFile },
      post,
    )
  } finally {
    trained?.model.dispose()
    decoded.close()
  }
}
