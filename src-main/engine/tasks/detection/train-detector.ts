// The detector's part of the shared training loop: batches whose boxes move with the same
// augmentation as their pixels, targets computed outside the graph, Adam on the CenterNet loss,
// and after every epoch the validation loss and mAP@.5. The learning rate follows a cosine over
// the planned steps; early stopping watches mAP@.5 (higher is better), so the weights kept are the
// best epoch's on validation mAP. Checkpoints and resuming are the loop's. A task that adds heads
// to the detector (segmentation) brings an extension: its network, its batches' extra loss, the
// validation metric watched instead, and its own epoch metrics.

import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../../src-shared/errors'
import {
  decodeDetections,
  EVALUATION_DECODE,
  type DecodedBox,
} from '../../../../src-shared/tasks/detection-output'
import type { EpochMetrics } from '../../../../src-shared/job-events'
import type { DetectionEpochMetrics } from '../../../../src-shared/tasks/detection-metrics'
import { isDetectionEpoch } from '../../../../src-shared/tasks/task-metrics'
import type { TrainParams } from '../../../../src-shared/train-params'
import type { ImageAugmenter } from '../../data/augment-image'
import type { SampleSet } from '../../data/image-batches'
import type { LoopState, LoopTensors } from '../../trainer/training-checkpoint'
import { loopStreams, runTrainingLoop, type LoopCallbacks } from '../../trainer/training-loop'
import { cosineRate } from './cosine-schedule'
import { drawBoxVariation, moveBoxes, renderBoxVariation, type BoxVariation } from './augment-boxes'
import { detectionLoss, disposeTargets, targetTensors } from './loss'
import { buildDetector, DETECTOR_STRIDE, type DetectorOptions } from './model'
import { mapsOf } from './predict-maps'
import { detectionTargets } from './targets'
import { validationMap50 } from './validation-map'

export { buildDetector } from './model'

export interface DetectionBox {
  classIndex: number
  /** [x, y, w, h] in the S×S input pixels. */
  bbox: [number, number, number, number]
  iscrowd: 0 | 1
}

export interface DetectionSet {
  /** Rows S×S×3, 0–255. */
  images: SampleSet
  /** Per row. */
  boxes: DetectionBox[][]
}

/** What an epoch's extension parts measured: its training and validation loss, and its metric. */
export interface ExtensionEpoch {
  loss: number
  valLoss: number
  /** The validation metric the schedule watched in place of box mAP@.5. */
  metric: number
}

/**
 * What a task adding heads to the detector brings to this loop (instance segmentation: masks):
 * its network, the extra loss of each batch, a validation whose metric the schedule watches, and
 * its epoch metrics made of the detector's and its own parts.
 */
export interface DetectorExtension<M extends EpochMetrics> {
  /** The network in place of buildDetector's; the detector's three outputs come first. */
  build(opts: DetectorOptions): tf.LayersModel
  /**
   * The extra loss of a training batch, from its rows, its boxes as augmentation moved them, and
   * each image's variation (undefined without augmentation), so extra targets move alike.
   */
  batchLoss(
    indices: readonly number[],
    boxes: readonly (readonly DetectionBox[])[],
    variations: readonly (BoxVariation | undefined)[],
  ): { loss(outputs: tf.Tensor[]): tf.Scalar; dispose(): void }
  /** The validation pass in place of detectionPass, with its extra loss and its metric. */
  validate(
    model: tf.LayersModel,
    set: DetectionSet,
    batchSize: number,
  ): { pass: DetectionPass; extraLoss: number; metric: number }
  /** The metric's name in log lines. */
  metricName: string
  /** The task's epoch metrics, from the detector's and the extension's parts. */
  epochMetrics(detection: DetectionEpochMetrics, extra: ExtensionEpoch): M
  /** A checkpoint's epoch as the task's, or undefined when it is another task's. */
  readEpoch(epoch: EpochMetrics): M | undefined
}

export type DetectionCallbacks = LoopCallbacks<DetectionEpochMetrics>

export interface TrainDetectorOptions {
  train: DetectionSet
  val: DetectionSet
  numClasses: number
  params: TrainParams
  callbacks: DetectionCallbacks
  /** Checked before every batch; true ends training with INTERRUPTED. */
  shouldStop?: () => boolean
  /** Builds the network to train (same outputs, stride 4); the detector from scratch by default. */
  buildModel?: (opts: DetectorOptions) => tf.LayersModel
  /**
   * Continues a paused run from a checkpoint of it (the caller keeps the tensors): with the same
   * data and params, the result equals that of a run that never paused.
   */
  resume?: { state: LoopState; tensors: LoopTensors }
  /** Called (and awaited) after every epoch training goes on from; see runTrainingLoop. */
  onCheckpoint?: (state: LoopState, tensors: LoopTensors) => Promise<void>
}

/** The detector's options with another task's epoch metrics. */
export type ExtendedDetectorOptions<M> = Omit<TrainDetectorOptions, 'callbacks'> & {
  callbacks: LoopCallbacks<M>
}

export interface TrainedDetector<M = DetectionEpochMetrics> {
  model: tf.LayersModel
  epochs: M[]
  /** The epoch whose weights the model holds. */
  bestEpoch: number
  stoppedEarly: boolean
  stride: number
}

export interface DetectionPass {
  /** Mean loss parts over the images. */
  loss: number
  heatmapLoss: number
  boxLoss: number
  /** Decoded boxes per image (EVALUATION_DECODE), in input pixels. */
  decoded: DecodedBox[][]
}

function range(start: number, end: number): number[] {
  return Array.from({ length: end - start }, (_, i) => start + i)
}

/** The model (inference mode) over a whole set: its loss and its decoded boxes. */
export function detectionPass(
  model: tf.LayersModel,
  set: DetectionSet,
  batchSize: number,
  numClasses: number,
  /** Sees each batch's raw outputs (kept by the pass) with its rows, before they are disposed. */
  onOutputs?: (
    outputs: readonly tf.Tensor[],
    indices: readonly number[],
    decoded: readonly DecodedBox[][],
  ) => void,
): DetectionPass {
  const inputSize = set.images.rowShape[0] as number
  const decoded: DecodedBox[][] = []
  let heat = 0
  let box = 0
  for (let start = 0; start < set.images.count; start += batchSize) {
    const indices = range(start, Math.min(set.images.count, start + batchSize))
    const images = set.images.batch(indices) as tf.Tensor4D
    const targets = targetTensors(
      detectionTargets(
        indices.map((i) => set.boxes[i] ?? []),
        { inputSize, stride: DETECTOR_STRIDE, classes: numClasses },
      ),
    )
    const outputs = model.predict(images) as tf.Tensor[]
    try {
      const parts = tf.tidy(() => {
        const { heatmap, box: boxPart } = detectionLoss(outputs, targets)
        return [heatmap, boxPart]
      })
      // The loss is per object of the batch; weighting by images keeps the mean comparable.
      heat += (parts[0]?.dataSync()[0] ?? NaN) * indices.length
      box += (parts[1]?.dataSync()[0] ?? NaN) * indices.length
      parts.forEach((part) => part.dispose())
      const batchDecoded = mapsOf(outputs, DETECTOR_STRIDE).map((maps) =>
        decodeDetections(maps, EVALUATION_DECODE),
      )
      decoded.push(...batchDecoded)
      onOutputs?.(outputs, indices, batchDecoded)
    } finally {
      images.dispose()
      disposeTargets(targets)
      outputs.forEach((output) => output.dispose())
    }
  }
  const count = Math.max(1, set.images.count)
  return { loss: (heat + box) / count, heatmapLoss: heat / count, boxLoss: box / count, decoded }
}

/** The median object side in the training boxes, in output cells (0 without boxes). */
function medianSideInCells(boxes: readonly (readonly DetectionBox[])[]): number {
  const sides = boxes
    .flat()
    .filter((box) => box.iscrowd === 0)
    .map((box) => Math.sqrt(box.bbox[2] * box.bbox[3]) / DETECTOR_STRIDE)
    .sort((a, b) => a - b)
  return sides[Math.floor(sides.length / 2)] ?? 0
}

function checkSets(opts: Omit<TrainDetectorOptions, 'callbacks'>): void {
  const { train, val, numClasses, params } = opts
  if (train.images.count < 1)
    throw new AppFailure(appError('TOO_FEW_IMAGES', 'No images to train on'))
  if (val.images.count < 1)
    throw new AppFailure(appError('TOO_FEW_IMAGES', 'No images left for validation'))
  const problem = (message: string) =>
    new AppFailure(appError('INVALID_TRAINING_SET', message, { details: { numClasses } }))
  if (numClasses < 1) throw problem('Detection needs at least one class')
  for (const set of [train, val]) {
    if (set.images.rowShape[0] !== params.imageSize || !set.images.images)
      throw problem(`Images must be ${params.imageSize}px image rows`)
    if (set.boxes.length < set.images.count) throw problem('Boxes do not match the image count')
    for (const boxes of set.boxes)
      for (const box of boxes)
        if (!(box.classIndex >= 0 && box.classIndex < numClasses))
          throw problem(`Class ${box.classIndex} is out of range`)
  }
}

/** A batch of training images and their boxes, varied alike when augmenting. */
function trainingBatch(
  set: DetectionSet,
  indices: number[],
  augmentRandom: (() => number) | undefined,
) {
  const size = set.images.rowShape[0] as number
  if (!augmentRandom)
    return {
      images: set.images.batch(indices),
      boxes: indices.map((i) => set.boxes[i] ?? []),
      variations: indices.map(() => undefined),
    }
  const variations = indices.map(() => drawBoxVariation(augmentRandom, size))
  // The set renders rows in index order, so the n-th call is the n-th image.
  let next = 0
  const augment: ImageAugmenter = (pixels, from, side, out, to) => {
    const variation = variations[next++]
    if (variation) renderBoxVariation(pixels, from, side, out, to, variation)
  }
  return {
    images: set.images.batch(indices, { augment }),
    boxes: indices.map((i, n) => moveBoxes(set.boxes[i] ?? [], size, variations[n]!)),
    variations,
  }
}

/** The plain detector: its epochs are the detector's own. */
export function trainDetector(opts: TrainDetectorOptions): Promise<TrainedDetector> {
  return detectorRun<DetectionEpochMetrics>(
    opts,
    undefined,
    (m) => m,
    (e) => (isDetectionEpoch(e) ? e : undefined),
  )
}

/** The detector with an extension's heads, loss and metric, reporting the extension's epochs. */
export function trainExtendedDetector<M extends EpochMetrics>(
  opts: ExtendedDetectorOptions<M>,
  extension: DetectorExtension<M>,
): Promise<TrainedDetector<M>> {
  return detectorRun(
    opts,
    extension,
    (m, extra) => extension.epochMetrics(m, extra as ExtensionEpoch),
    (e) => extension.readEpoch(e),
  )
}

async function detectorRun<M extends EpochMetrics>(
  opts: ExtendedDetectorOptions<M>,
  extension: DetectorExtension<M> | undefined,
  epochMetrics: (m: DetectionEpochMetrics, extra: ExtensionEpoch | undefined) => M,
  readEpoch: (e: EpochMetrics) => M | undefined,
): Promise<TrainedDetector<M>> {
  checkSets(opts)
  const { train, val, numClasses, params } = opts
  const model = (extension?.build ?? opts.buildModel ?? buildDetector)({
    imageSize: params.imageSize,
    numClasses,
    seed: params.seed,
    sizePrior: medianSideInCells(train.boxes),
  })
  try {
    const optimizer = tf.train.adam(params.learningRate)
    const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable)
    const streams = loopStreams(params.seed, opts.resume?.state)
    const augmentRandom = params.augment === false ? undefined : streams.augment
    const batchSize = Math.max(1, Math.min(params.batchSize, train.images.count))
    const batches = Math.ceil(train.images.count / batchSize)
    const count = train.images.count
    opts.callbacks.onLog?.(
      `Training a ${model.name} on ${count} images, validating on ${val.images.count}, ` +
        `${numClasses} classes, ${params.imageSize}px input, ${params.epochs} epochs of ${batches} ` +
        `batches (${tf.getBackend()} backend), augmentation ${augmentRandom ? 'on' : 'off'}`,
    )
    const trainBatch = (indices: number[]): Record<string, number> => {
      const { images, boxes, variations } = trainingBatch(train, indices, augmentRandom)
      const extra = extension?.batchLoss(indices, boxes, variations)
      const targets = targetTensors(
        detectionTargets(boxes, {
          inputSize: params.imageSize,
          stride: DETECTOR_STRIDE,
          classes: numClasses,
        }),
      )
      let heatPart: tf.Scalar | undefined
      let boxPart: tf.Scalar | undefined
      let extraPart: tf.Scalar | undefined
      try {
        const total = optimizer.minimize(
          () => {
            const outputs = model.apply(images, { training: true }) as tf.Tensor[]
            const parts = detectionLoss(outputs, targets)
            heatPart = tf.keep(parts.heatmap)
            boxPart = tf.keep(parts.box)
            if (!extra) return parts.total
            extraPart = tf.keep(extra.loss(outputs))
            return parts.total.add(extraPart)
          },
          false,
          variables,
        )
        total?.dispose()
        return {
          heat: (heatPart?.dataSync()[0] ?? NaN) * indices.length,
          box: (boxPart?.dataSync()[0] ?? NaN) * indices.length,
          extra: extra ? (extraPart?.dataSync()[0] ?? NaN) * indices.length : 0,
        }
      } finally {
        heatPart?.dispose()
        boxPart?.dispose()
        extraPart?.dispose()
        extra?.dispose()
        images.dispose()
        disposeTargets(targets)
      }
    }
    const result = await runTrainingLoop<M>({
      model,
      optimizer,
      params,
      streams,
      augments: augmentRandom !== undefined,
      watch: { name: extension?.metricName ?? 'mAP@.5', direction: 'max' },
      rateAt: (step, steps) => cosineRate(params.learningRate, step, steps),
      reduceOnPlateau: false,
      keepBest: 'always',
      callbacks: opts.callbacks,
      ...(opts.shouldStop && { shouldStop: opts.shouldStop }),
      ...(opts.resume && { resume: opts.resume }),
      ...(opts.onCheckpoint && { onCheckpoint: opts.onCheckpoint }),
      task: {
        trainCount: count,
        trainBatch,
        readEpoch,
        endEpoch: ({ epoch, sums, trainingMs, elapsedMs }) => {
          const checked = extension?.validate(model, val, batchSize)
          const validation = checked?.pass ?? detectionPass(model, val, batchSize, numClasses)
          const valMap50 = validationMap50(validation.decoded, val.boxes, numClasses)
          const heat = sums.heat ?? NaN
          const box = sums.box ?? NaN
          const detection: DetectionEpochMetrics = {
            task: 'obj_detection',
            epoch,
            epochs: params.epochs,
            loss: (heat + box) / count,
            heatmapLoss: heat / count,
            boxLoss: box / count,
            valLoss: validation.loss,
            valMap50,
            imagesPerSec: count / Math.max(trainingMs / 1000, 1e-6),
            elapsedMs: elapsedMs(),
          }
          const extra = checked && {
            loss: (sums.extra ?? NaN) / count,
            valLoss: checked.extraLoss,
            metric: checked.metric,
          }
          return {
            metrics: epochMetrics(detection, extra),
            watched: checked?.metric ?? valMap50,
          }
        },
      },
    })
    return { model, ...result, stride: DETECTOR_STRIDE }
  } catch (error) {
    model.dispose()
    throw error
  }
}
