// The detection branch of the training worker: decodes the request's images through the pixel
// cache at the input side, scales each image's boxes from its own pixels to that side, splits the
// images by a seeded shuffle (labels cannot stratify: negatives have none), trains the detector,
// evaluates the kept weights with COCOeval in the images' own pixels, and writes the model files,
// labels.json (with how to decode the outputs) and metrics.json. With architecture transfer the
// detector sits on the request's backbone, whose input size then replaces imageSize. Training is
// checkpointed after every epoch and resumed from a checkpoint when the request says so.

import { resolve } from 'node:path'
import { appError, AppFailure } from '../../../src-shared/errors'
import { seededRandom, shuffleInPlace } from '../../../src-shared/seeded-random'
import {
  DETECTION_OUTPUT_NAMES,
  PREDICTION_DECODE,
  type DetectionLabelsSpec,
} from '../../../src-shared/tasks/detection-output'
import type { DetectionTrainingMetrics } from '../../../src-shared/tasks/detection-metrics'
import type { BackendName, TrainParams } from '../../../src-shared/train-params'
import type { ClassificationItem } from '../../../src-shared/validate-annotations'
import { RESIZE_MODE } from '../../dataset/decode-image'
import { readImageHeader } from '../../dataset/image-input'
import { writeJsonAtomically } from '../../platform/atomic-file'
import { progressGate } from '../../platform/rate-gate'
import { saveKerasH5 } from '../export/keras-h5'
import { kerasTrainingConfig } from '../export/keras-h5-layout'
import { saveTfjsModel } from '../export/tfjs'
import type { Backbone } from '../backbone/backbone-source'
import { evaluateDetections, type EvaluatedImage } from '../tasks/detection/evaluate-detector'
import {
  detectionPass,
  trainDetector,
  type DetectionBox,
  type DetectionSet,
  type TrainDetectorOptions,
  type TrainedDetector,
} from '../tasks/detection/train-detector'
import { buildTransferDetector } from '../tasks/detection/transfer-detector'
import { decodeDataset } from './decode-dataset'
import { trainResumable } from './resumable-training'
import { checkTrainingMemory, trainingMemoryLimit } from './training-memory'
import { loadRequestBackbone } from './transfer-training'
import type { EngineContext } from './engine-failure'
import {
  MODEL_FILES,
  type LabelsFile,
  type DetectionTrainingMessage,
  type MetricsFile,
  type TrainingMessage,
  type TrainingRequest,
} from './training-protocol'

type Post = (message: DetectionTrainingMessage) => void

/** What the worker knows once its backend runs. */
export interface TrainingEnvironment {
  backend: BackendName
  threads: number
  /** Filled in as the run learns what an error message should name. */
  context: EngineContext
}

/** labels.json of a detector: the shared fields plus how to read its three outputs. */
export interface DetectionLabelsFile extends LabelsFile {
  task: 'obj_detection'
  detection: DetectionLabelsSpec
}

/** metrics.json of a detection run. */
export type DetectionMetricsFile = DetectionTrainingMetrics &
  Pick<MetricsFile, 'params' | 'threads' | 'skippedImages'> & { backend: BackendName }

/** The detector's input side: a multiple of its total stride (16), at least 32. */
export function detectorInputSide(imageSize: number): number {
  return Math.max(32, Math.round(imageSize / 16) * 16)
}

/** Each item's frame (the one its boxes are in): given on the item, else read from the file. */
export async function frameOf(
  item: ClassificationItem,
  datasetRoot: string,
): Promise<{ width: number; height: number } | undefined> {
  if (item.width !== undefined && item.height !== undefined)
    return { width: item.width, height: item.height }
  try {
    const header = await readImageHeader(resolve(datasetRoot, 'images', item.fileName))
    const { width, height } = header
    if (width === undefined || height === undefined) return undefined
    // EXIF-rotated files are shown (and decoded) turned, so their frame is turned too.
    return (header.orientation ?? 1) >= 5 ? { width: height, height: width } : { width, height }
  } catch {
    return undefined
  }
}

/** Boxes of an item in input pixels, class indices from the request's classes. */
export function inputBoxes(
  item: ClassificationItem,
  frame: { width: number; height: number },
  side: number,
  classOf: Map<number, number>,
): DetectionBox[] {
  const sx = side / frame.width
  const sy = side / frame.height
  return (item.boxes ?? []).flatMap((box) => {
    const classIndex = classOf.get(box.categoryId)
    if (classIndex === undefined) return []
    const [x, y, w, h] = box.bbox
    return [{ classIndex, bbox: [x * sx, y * sy, w * sx, h * sy], iscrowd: box.iscrowd }]
  })
}

/** Each row's frame (the size its boxes are in); a row whose size cannot be read fails the run. */
export async function measuredFrames(
  rows: readonly ClassificationItem[],
  datasetRoot: string,
): Promise<{ width: number; height: number }[]> {
  const frames = await Promise.all(rows.map((item) => frameOf(item, datasetRoot)))
  const missing = frames.findIndex((frame) => frame === undefined)
  if (missing >= 0)
    throw new AppFailure(
      appError('IMAGE_UNREADABLE', `the size of ${rows[missing]?.fileName} cannot be read`, {
        file: rows[missing]?.fileName ?? '',
      }),
    )
  return frames as { width: number; height: number }[]
}

/** The loop's epochs, batches (throttled) and log lines as the worker's messages. */
export function trainingCallbacks<M>(
  post: (message: { type: 'epoch'; metrics: M } | ProgressMessage | LogMessage) => void,
  params: TrainParams,
) {
  const gate = progressGate()
  return {
    onEpoch: (metrics: M) => post({ type: 'epoch', metrics }),
    onBatch: ({ epoch, batch, batches }: { epoch: number; batch: number; batches: number }) => {
      const done = (epoch - 1) * batches + batch
      const total = params.epochs * batches
      if (gate(done === total))
        post({ type: 'progress', stage: 'training', unit: 'batches', done, total, epoch })
    },
    onLog: (message: string) => post({ type: 'log', level: 'info', message }),
  }
}

type ProgressMessage = Extract<DetectionTrainingMessage, { type: 'progress' }>
type LogMessage = Extract<DetectionTrainingMessage, { type: 'log' }>

/** A seeded split of row indices: validation first `valSplit` share of a shuffle, at least one each. */
export function splitShuffled(
  count: number,
  valSplit: number,
  seed: number,
): { train: number[]; val: number[] } {
  const order = shuffleInPlace(
    Array.from({ length: count }, (_, i) => i),
    seededRandom(seed),
  )
  const valCount = Math.min(count - 1, Math.max(1, Math.round(count * valSplit)))
  return {
    val: order.slice(0, valCount).sort((a, b) => a - b),
    train: order.slice(valCount).sort((a, b) => a - b),
  }
}

function labelsSpec(side: number, trained: TrainedDetector, classes: number): DetectionLabelsSpec {
  const cells = side / trained.stride
  const channels = { heatmap: classes, box_size: 2, center_offset: 2 } as const
  const meaning = {
    heatmap: 'per class, the probability (sigmoid) that a cell holds an object centre',
    box_size: 'box width and height, in cells',
    center_offset: "the centre's x and y within its cell, in cells",
  } as const
  return {
    stride: trained.stride,
    outputs: DETECTION_OUTPUT_NAMES.map((name) => ({
      name,
      shape: [cells, cells, channels[name]],
      meaning: meaning[name],
    })),
    decode: PREDICTION_DECODE,
  }
}

export async function runDetectionTraining(
  request: TrainingRequest,
  post: Post,
  env: TrainingEnvironment,
): Promise<void> {
  // A transfer backbone fixes the input side; boxes are scaled to it like to any other side.
  const backbone =
    request.params.architecture === 'transfer'
      ? await loadRequestBackbone(request, post as (m: TrainingMessage) => void)
      : undefined
  try {
    await runDetectionOn(request, post, env, backbone)
  } finally {
    backbone?.model.dispose()
  }
}

async function runDetectionOn(
  request: TrainingRequest,
  post: Post,
  env: TrainingEnvironment,
  backbone: Backbone | undefined,
): Promise<void> {
  const side = backbone ? backbone.inputShape[0] : detectorInputSide(request.params.imageSize)
  const params: TrainParams = { ...request.params, imageSize: side }
  env.context.inputSide = side
  if (side !== request.params.imageSize && !backbone)
    post({
      type: 'log',
      level: 'info',
      message: `Input side ${side}px: the detector takes multiples of 16`,
    })
  if (request.memoryLimitBytes !== undefined)
    checkTrainingMemory(
      params,
      trainingMemoryLimit(request.memoryLimitBytes, env.backend),
      params.imageSize,
    )
  const classOf = new Map(request.classes.map((info) => [info.categoryId, info.index]))
  // Negatives (label −1) are images like any other to the decoder.
  const decodable = request.items.map((item) => ({ ...item, label: Math.max(0, item.label) }))
  // Decoding posts only progress and log messages, which both streams share.
  const decoded = await decodeDataset(
    { ...request, items: decodable },
    post as (m: TrainingMessage) => void,
    {
      size: side,
    },
  )
  let trained: TrainedDetector | undefined
  try {
    const byFile = new Map(request.items.map((item) => [item.fileName, item]))
    const rows = decoded.fileNames.map((fileName) => byFile.get(fileName) as ClassificationItem)
    const sized = await measuredFrames(rows, request.datasetRoot)
    const boxes = rows.map((item, i) => inputBoxes(item, sized[i]!, side, classOf))
    const split = splitShuffled(rows.length, params.valSplit, params.seed)
    const part = (indices: number[]): DetectionSet => ({
      images: decoded.set.select(indices),
      boxes: indices.map((i) => boxes[i] ?? []),
    })
    const train = part(split.train)
    const val = part(split.val)
    const numClasses = request.classes.length
    trained = await trainResumable(
      request,
      trainDetector,
      {
        train,
        val,
        numClasses,
        params,
        callbacks: trainingCallbacks(post, params),
        ...(backbone && { buildModel: transferDetectorBuilder(backbone, params, post) }),
      },
      post,
    )
    const pass = detectionPass(trained.model, val, params.batchSize, numClasses)
    const images: EvaluatedImage[] = split.val.map((row) => {
      const item = rows[row] as ClassificationItem
      const frame = sized[row] as { width: number; height: number }
      return {
        file: item.fileName,
        ...frame,
        boxes: (item.boxes ?? []).flatMap((box) => {
          const classIndex = classOf.get(box.categoryId)
          return classIndex === undefined
            ? []
            : [{ classIndex, bbox: box.bbox, area: box.area, iscrowd: box.iscrowd }]
        }),
      }
    })
    const { coco, worstImages } = evaluateDetections({
      decoded: pass.decoded,
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
        `Validation with the weights of epoch ${bestEpoch}: mAP@[.5:.95] ${coco.stats.ap.toFixed(3)}, ` +
        `mAP@.5 ${coco.stats.ap50.toFixed(3)}`,
    })
    const metrics: DetectionTrainingMetrics = {
      task: 'obj_detection',
      epochs,
      finalValMap50: kept?.valMap50 ?? NaN,
      finalValLoss: kept?.valLoss ?? NaN,
      trainImages: train.images.count,
      valImages: val.images.count,
      classes: request.classes.map((info) => info.name),
      bestEpoch,
      stoppedEarly,
      coco,
      worstImages,
    }
    await exportDetector(request, params, trained, metrics, decoded.skipped, env, post)
  } finally {
    trained?.model.dispose()
    decoded.close()
  }
}

/** Builds the detector on `backbone` and says where it reads the backbone. */
function transferDetectorBuilder(
  backbone: Backbone,
  params: TrainParams,
  post: Post,
): TrainDetectorOptions['buildModel'] {
  return (opts) => {
    const built = buildTransferDetector({
      backbone,
      numClasses: opts.numClasses,
      seed: opts.seed,
      ...(opts.sizePrior !== undefined && { sizePrior: opts.sizePrior }),
      fineTuneLayers: params.fineTuneLayers ?? 0,
    })
    const { feature, skip } = built.taps
    post({
      type: 'log',
      level: 'info',
      message:
        `Detector on backbone ${params.backbone ?? backbone.model.name}: features of ` +
        `${feature.layer} (stride ${feature.stride})` +
        (skip ? `, joined with ${skip.layer} (stride ${skip.stride})` : '') +
        `, ${built.fineTuned.length > 0 ? `${built.fineTuned.length} backbone layer(s) fine-tuned` : 'backbone frozen'}`,
    })
    return built.model
  }
}

async function exportDetector(
  request: TrainingRequest,
  params: TrainParams,
  trained: TrainedDetector,
  metrics: DetectionTrainingMetrics,
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
    kerasTrainingConfig(params.learningRate),
  )
  files.push(MODEL_FILES.keras)
  exporting(1)
  files.push(...(await saveTfjsModel(trained.model, out)))
  exporting(3)
  const labels: DetectionLabelsFile = {
    task: 'obj_detection',
    classes: request.classes,
    inputSize: [params.imageSize, params.imageSize, 3],
    inputRange: [0, 255],
    channels: 'RGB',
    resizeMode: RESIZE_MODE,
    detection: labelsSpec(params.imageSize, trained, request.classes.length),
  }
  await writeJsonAtomically(resolve(out, MODEL_FILES.labels), labels)
  files.push(MODEL_FILES.labels)
  exporting(4)
  const metricsFile: DetectionMetricsFile = {
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
