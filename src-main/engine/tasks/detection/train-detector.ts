// The training loop of the detector: seeded shuffles each epoch, batches cut from the image set one
// at a time with their boxes moved by the same augmentation as their pixels, targets computed
// outside the graph, Adam on the CenterNet loss, and after every epoch the validation loss and
// mAP@.5. The learning rate follows a cosine over the planned steps; early stopping watches
// 1 − mAP@.5, so the weights kept are the best epoch's on validation mAP. A yield between batches
// lets messages and stops through. A task that adds heads to the detector (segmentation) brings an
// extension: its network, its batches' extra loss and the validation metric watched instead.

import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../../src-shared/errors'
import { seededRandom, shuffleInPlace } from '../../../../src-shared/seeded-random'
import {
  decodeDetections,
  EVALUATION_DECODE,
  type DecodedBox,
} from '../../../../src-shared/tasks/detection-output'
import type { DetectionEpochMetrics } from '../../../../src-shared/tasks/detection-metrics'
import type { TrainParams } from '../../../../src-shared/train-params'
import type { ImageAugmenter } from '../../data/augment-image'
import type { SampleSet } from '../../data/image-batches'
import { trainingSchedule } from '../../trainer/training-schedule'
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
 * its network, the extra loss of each batch, and a validation whose metric the schedule watches.
 */
export interface DetectorExtension {
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
}

export interface DetectionCallbacks {
  /** `extra` comes with an extension's parts of the epoch. */
  onEpoch(m: DetectionEpochMetrics, extra?: ExtensionEpoch): void
  onBatch?(p: { epoch: number; batch: number; batches: number }): void
  onLog?(message: string): void
}

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
  /** Extra heads, their loss and their validation metric; absent: the plain detector. */
  extension?: DetectorExtension
}

export interface TrainedDetector {
  model: tf.LayersModel
  epochs: DetectionEpochMetrics[]
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

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
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

function checkSets(opts: TrainDetectorOptions): void {
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

export async function trainDetector(opts: TrainDetectorOptions): Promise<TrainedDetector> {
  checkSets(opts)
  const { train, val, numClasses, params, callbacks, shouldStop, extension } = opts
  const model = (extension?.build ?? opts.buildModel ?? buildDetector)({
    imageSize: params.imageSize,
    numClasses,
    seed: params.seed,
    sizePrior: medianSideInCells(train.boxes),
  })
  const optimizer = tf.train.adam(params.learningRate)
  const setRate = (rate: number) => {
    ;(optimizer as unknown as { learningRate: number }).learningRate = rate
  }
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable)
  const patience = params.patience ?? 0
  const schedule = trainingSchedule({
    learningRate: params.learningRate,
    patience,
    reduceOnPlateau: false,
  })
  const random = seededRandom(params.seed ^ 0x9e3779b9)
  const augmentRandom =
    params.augment === false ? undefined : seededRandom(params.seed ^ 0x85ebca6b)
  const order = range(0, train.images.count)
  const batchSize = Math.max(1, Math.min(params.batchSize, train.images.count))
  const batches = Math.ceil(train.images.count / batchSize)
  const epochs: DetectionEpochMetrics[] = []
  let best: tf.Tensor[] | undefined
  let stoppedEarly = false
  const started = performance.now()
  const watchedName = extension?.metricName ?? 'mAP@.5'
  callbacks.onLog?.(
    `Training a ${model.name} on ${train.images.count} images, validating on ${val.images.count}, ` +
      `${numClasses} classes, ${params.imageSize}px input, ${params.epochs} epochs of ${batches} ` +
      `batches (${tf.getBackend()} backend), augmentation ${augmentRandom ? 'on' : 'off'}`,
  )
  try {
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      shuffleInPlace(order, random)
      const epochStarted = performance.now()
      let heatSum = 0
      let boxSum = 0
      let extraSum = 0
      for (let batch = 0; batch < batches; batch++) {
        if (shouldStop?.())
          throw new AppFailure(appError('INTERRUPTED', `Training stopped in epoch ${epoch}`))
        setRate(
          cosineRate(params.learningRate, (epoch - 1) * batches + batch, params.epochs * batches),
        )
        const indices = order.slice(batch * batchSize, (batch + 1) * batchSize)
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
          heatSum += (heatPart?.dataSync()[0] ?? NaN) * indices.length
          boxSum += (boxPart?.dataSync()[0] ?? NaN) * indices.length
          if (extra) extraSum += (extraPart?.dataSync()[0] ?? NaN) * indices.length
        } finally {
          heatPart?.dispose()
          boxPart?.dispose()
          extraPart?.dispose()
          extra?.dispose()
          images.dispose()
          disposeTargets(targets)
        }
        callbacks.onBatch?.({ epoch, batch: batch + 1, batches })
        await yieldToEventLoop()
      }
      const trainingMs = performance.now() - epochStarted
      const checked = extension?.validate(model, val, batchSize)
      const validation = checked?.pass ?? detectionPass(model, val, batchSize, numClasses)
      const valMap50 = validationMap50(validation.decoded, val.boxes, numClasses)
      const watched = checked?.metric ?? valMap50
      const decision = schedule.observe(1 - watched)
      if (decision.improved) {
        best?.forEach((tensor) => tensor.dispose())
        best = model.getWeights().map((weight) => tf.clone(weight))
      }
      const metrics: DetectionEpochMetrics = {
        task: 'obj_detection',
        epoch,
        epochs: params.epochs,
        loss: (heatSum + boxSum) / train.images.count,
        heatmapLoss: heatSum / train.images.count,
        boxLoss: boxSum / train.images.count,
        valLoss: validation.loss,
        valMap50,
        imagesPerSec: train.images.count / Math.max(trainingMs / 1000, 1e-6),
        elapsedMs: performance.now() - started,
      }
      epochs.push(metrics)
      callbacks.onEpoch(
        metrics,
        checked && {
          loss: extraSum / train.images.count,
          valLoss: checked.extraLoss,
          metric: checked.metric,
        },
      )
      if (decision.stop && epoch < params.epochs) {
        stoppedEarly = true
        callbacks.onLog?.(
          `Stopped after epoch ${epoch}: no better validation ${watchedName} for ${patience} epochs`,
        )
        break
      }
    }
    const bestEpoch = best ? schedule.bestEpoch : epochs.length
    if (best && bestEpoch !== epochs.length) {
      model.setWeights(best)
      callbacks.onLog?.(
        `Kept the weights of epoch ${bestEpoch}, the best on validation ${watchedName}`,
      )
    }
    return { model, epochs, bestEpoch, stoppedEarly, stride: DETECTOR_STRIDE }
  } catch (error) {
    model.dispose()
    throw error
  } finally {
    best?.forEach((tensor) => tensor.dispose())
    optimizer.dispose()
  }
}
