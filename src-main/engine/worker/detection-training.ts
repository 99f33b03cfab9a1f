// The detection branch of the training worker: decodes the request's images through the pixel
// cache at the input side, scales each image's boxes from its own pixels to that side, splits the
// images by a seeded shuffle (labels cannot stratify: negatives have none), trains the detector,
// evaluates the kept weights with COCOeval in the images' own pixels, and writes the model files,
// labels.json (with how to decode the outputs) and metrics.json. With architecture transfer the
// detector sits on the request's backbone, whose input size then replaces imageSize. Training is
// checkpointed after every epoch and resumed from a checkpoint when the request says so. The steps
// it shares with segmentation (decoding, frames, split, writing the files) are in object-run.ts.

import {
  DETECTION_OUTPUT_NAMES,
  PREDICTION_DECODE,
  type DetectionLabelsSpec,
} from '../../../src-shared/tasks/detection-output'
import type { DetectionTrainingMetrics } from '../../../src-shared/tasks/detection-metrics'
import type { BackendName, TrainParams } from '../../../src-shared/train-params'
import type { ClassificationItem } from '../../../src-shared/validate-annotations'
import { RESIZE_MODE } from '../../dataset/decode-image'
import { progressGate } from '../../platform/rate-gate'
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
import { trainResumable } from './resumable-training'
import { loadRequestBackbone } from './transfer-training'
import { exportObjectModel, objectRows, type Frame, type TrainingEnvironment } from './object-run'
import {
  type LabelsFile,
  type DetectionTrainingMessage,
  type MetricsFile,
  type TrainingMessage,
  type TrainingRequest,
} from './training-protocol'

type Post = (message: DetectionTrainingMessage) => void

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
  const { params, classOf, decoded, rows, frames, split } = backbone
    ? await objectRows(request, post, env, backbone.inputShape[0])
    : await objectRows(request, post, env, detectorInputSide(request.params.imageSize), 'detector')
  const side = params.imageSize
  let trained: TrainedDetector | undefined
  try {
    const boxes = rows.map((item, i) => inputBoxes(item, frames[i]!, side, classOf))
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
      return {
        file: item.fileName,
        ...(frames[row] as Frame),
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
    const labels: DetectionLabelsFile = {
      task: 'obj_detection',
      classes: request.classes,
      inputSize: [side, side, 3],
      inputRange: [0, 255],
      channels: 'RGB',
      resizeMode: RESIZE_MODE,
      detection: labelsSpec(side, trained, numClasses),
    }
    const metricsFile: DetectionMetricsFile = {
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
