// The instance-segmentation branch of the training worker: the detection run's steps (decode at the
// input side, boxes scaled from each image's own pixels, seeded split) with each object's mask
// resampled onto the input grid, the segmenter trained, its kept weights evaluated with COCOeval
// on masks and boxes in the images' own pixels, and the model files, labels.json (how to decode
// boxes and assemble masks) and metrics.json written. Training checkpoints and resumes as
// detection's does.

import { resolve } from 'node:path'
import type { SegmentationTrainingMetrics } from '../../../src-shared/tasks/segmentation-metrics'
import type { BackendName, TrainParams } from '../../../src-shared/train-params'
import type { ClassificationItem } from '../../../src-shared/validate-annotations'
import { writeJsonAtomically } from '../../platform/atomic-file'
import { saveKerasH5 } from '../export/keras-h5'
import { kerasDetectionTrainingConfig } from '../export/keras-h5-layout'
import { saveTfjsModel } from '../export/tfjs'
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
import { decodeDataset } from './decode-dataset'
import { trainResumable } from './resumable-training'
import {
  detectorInputSide,
  measuredFrames,
  trainingCallbacks,
  inputBoxes,
  splitShuffled,
  type TrainingEnvironment,
} from './detection-training'
import { checkTrainingMemory, trainingMemoryLimit } from './training-memory'
import {
  MODEL_FILES,
  type DetectionTrainingMessage,
  type MetricsFile,
  type TrainingMessage,
  type TrainingRequest,
} from './training-protocol'

type Post = (message: DetectionTrainingMessage) => void
type Frame = { width: number; height: number }

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
  const params: TrainParams = { ...request.params, imageSize: side }
  env.context.inputSide = side
  if (side !== request.params.imageSize)
    post({
      type: 'log',
      level: 'info',
      message: `Input side ${side}px: the segmenter takes multiples of 16`,
    })
  if (request.memoryLimitBytes !== undefined)
    checkTrainingMemory(
      params,
      trainingMemoryLimit(request.memoryLimitBytes, env.backend),
      params.imageSize,
    )
  const classOf = new Map(request.classes.map((info) => [info.categoryId, info.index]))
  const decodable = request.items.map((item) => ({ ...item, label: Math.max(0, item.label) }))
  const decoded = await decodeDataset(
    { ...request, items: decodable },
    post as (m: TrainingMessage) => void,
    { size: side },
  )
  let trained: TrainedSegmenter | undefined
  try {
    const byFile = new Map(request.items.map((item) => [item.fileName, item]))
    const rows = decoded.fileNames.map((fileName) => byFile.get(fileName) as ClassificationItem)
    const sized = await measuredFrames(rows, request.datasetRoot)
    const objects = rows.map((item, i) => inputObjects(item, sized[i]!, side, classOf))
    const split = splitShuffled(rows.length, params.valSplit, params.seed)
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
      (row) => sized[split.val[row] as number] as Frame,
    )
    const images: EvaluatedSegmentationImage[] = split.val.map((row) => {
      const item = rows[row] as ClassificationItem
      return {
        file: item.fileName,
        ...(sized[row] as Frame),
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
    await exportSegmenter(request, params, trained, metrics, decoded.skipped, env, post)
  } finally {
    trained?.model.dispose()
    decoded.close()
  }
}

async function exportSegmenter(
  request: TrainingRequest,
  params: TrainParams,
  trained: TrainedSegmenter,
  metrics: SegmentationTrainingMetrics,
  skipped: MetricsFile['skippedImages'],
  env: TrainingEnvironment,
  post: Post,
): Promise<void> {
  const out = request.outDir
  const exporting = (done: number) =>
    post({ type: 'progress', stage: 'exporting', unit: 'files', done, total: 5 })
  exporting(0)
  const files: string[] = []
  await saveKerasH5(
    trained.model,
    resolve(out, MODEL_FILES.keras),
    kerasDetectionTrainingConfig(params.learningRate),
  )
  files.push(MODEL_FILES.keras)
  exporting(1)
  files.push(...(await saveTfjsModel(trained.model, out)))
  exporting(3)
  const labels = segmentationLabels({
    classes: request.classes,
    imageSize: params.imageSize,
    stride: trained.stride,
    prototypeStride: PROTOTYPE_STRIDE,
  })
  await writeJsonAtomically(resolve(out, MODEL_FILES.labels), labels)
  files.push(MODEL_FILES.labels)
  exporting(4)
  const metricsFile: SegmentationMetricsFile = {
    ...metrics,
    backend: env.backend,
    params,
    threads: env.threads,
    skippedImages: skipped,
  }
  await writeJsonAtomically(resolve(out, MODEL_FILES.metrics), metricsFile)
  files.push(MODEL_FILES.metrics)
  exporting(5)
  post({ type: 'done', metrics, files })
}
