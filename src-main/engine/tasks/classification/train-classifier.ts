// Image classification's part of the shared training loop: batches cut from the decoded byte
// buffer one at a time (augmented when asked), Adam with class-balanced loss, and after every
// epoch the validation loss (lower is better), which drives the reduce-on-plateau learning rate
// and early stopping. Epoch order, checkpoints, stop requests and progress are the loop's.

import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../../src-shared/errors'
import type { ClassificationEpochMetrics, EpochMetrics } from '../../../../src-shared/job-events'
import { classificationEpoch } from '../../../../src-shared/tasks/task-metrics'
import type { TrainParams } from '../../../../src-shared/train-params'
import { imageAugmenter } from '../../data/augment-image'
import { adam } from '../../backend/adam-update'
import { balancedClassWeights } from './class-weights'
import { buildModel } from './model'
import { classifierTrainStep, evaluateBatch } from './step'
import {
  asSampleSet,
  isSampleSet,
  labelBatch,
  type ImageSet,
  type SampleSet,
} from '../../data/image-batches'
import type { LoopState, LoopTensors } from '../../trainer/training-checkpoint'
import { loopStreams, runTrainingLoop, type LoopCallbacks } from '../../trainer/training-loop'

export type { ImageSet, SampleSet } from '../../data/image-batches'
export { splitStratified } from '../../trainer/stratified-split'

export type TrainCallbacks = LoopCallbacks<ClassificationEpochMetrics>

export interface TrainClassifierOptions {
  train: SampleSet | ImageSet
  val: SampleSet | ImageSet
  numClasses: number
  /**
   * The network to train, already built (a head on embeddings, a backbone with a head); without
   * it one is built from params.architecture for the images' size. Either way the result owns it.
   */
  model?: tf.LayersModel
  params: TrainParams
  callbacks: TrainCallbacks
  /** Checked before every batch; true ends training with INTERRUPTED. */
  shouldStop?: () => boolean
  /**
   * Parts of the recipe that are always on for users and can be switched off for like-for-like
   * comparisons: class-balanced loss weights and the reduce-on-plateau learning rate.
   */
  recipe?: { classWeights?: boolean; reduceOnPlateau?: boolean }
  /**
   * Continues a paused run from a checkpoint of it (the caller keeps the tensors): with the same
   * data and params, the result equals that of a run that never paused.
   */
  resume?: { state: LoopState; tensors: LoopTensors }
  /**
   * Called (and awaited) after every epoch that training goes on from, with what continuing needs.
   * The tensors are the live ones: read them before the promise settles, never dispose them.
   */
  onCheckpoint?: (state: LoopState, tensors: LoopTensors) => Promise<void>
}

export interface TrainedClassifier {
  model: tf.LayersModel
  epochs: ClassificationEpochMetrics[]
  /** The epoch whose weights the model holds. */
  bestEpoch: number
  stoppedEarly: boolean
}

function checkSets(
  given: { train: SampleSet | ImageSet; val: SampleSet | ImageSet },
  numClasses: number,
  params: TrainParams,
  modelGiven: boolean,
): void {
  const problem = (message: string) =>
    new AppFailure(appError('INVALID_TRAINING_SET', message, { details: { numClasses } }))
  const { train, val } = given
  if (train.count < 1) throw new AppFailure(appError('TOO_FEW_IMAGES', 'No images to train on'))
  if (val.count < 1)
    throw new AppFailure(appError('TOO_FEW_IMAGES', 'No images left for validation'))
  if (numClasses < 2) throw problem('Classification needs at least two classes')
  for (const set of [train, val]) {
    if (!isSampleSet(set)) {
      if (set.pixels.length !== set.count * set.size * set.size * 3)
        throw problem('Pixel or label buffers do not match the image count')
      if (!modelGiven && set.size !== params.imageSize)
        throw problem(`Images are ${set.size}px but imageSize is ${params.imageSize}`)
    } else if (!modelGiven && set.images && set.rowShape[0] !== params.imageSize)
      throw problem(`Images are ${set.rowShape[0]}px but imageSize is ${params.imageSize}`)
    if (set.labels.length < set.count) throw problem('Label buffer does not match the row count')
    for (let i = 0; i < set.count; i++) {
      const label = set.labels[i] as number
      if (!(label >= 0 && label < numClasses)) throw problem(`Label ${label} is out of range`)
    }
  }
}

function evaluate(model: tf.LayersModel, set: SampleSet, batchSize: number, numClasses: number) {
  let lossSum = 0
  let correct = 0
  for (let start = 0; start < set.count; start += batchSize) {
    const indices = Array.from(
      { length: Math.min(batchSize, set.count - start) },
      (_, i) => start + i,
    )
    const images = set.batch(indices)
    const labels = labelBatch(set, indices)
    try {
      const result = evaluateBatch(model, images, labels, numClasses)
      lossSum += result.lossSum
      correct += result.correct
    } finally {
      images.dispose()
      labels.dispose()
    }
  }
  return { loss: lossSum / set.count, accuracy: correct / set.count }
}

/** A checkpoint's epoch as a classifier's (records without a task are one), else undefined. */
function readEpoch(epoch: EpochMetrics): ClassificationEpochMetrics | undefined {
  return classificationEpoch(epoch)
}

export async function trainClassifier(opts: TrainClassifierOptions): Promise<TrainedClassifier> {
  const { numClasses, params, callbacks } = opts
  checkSets(opts, numClasses, params, opts.model !== undefined)
  const train = asSampleSet(opts.train)
  const val = asSampleSet(opts.val)
  const model =
    opts.model ??
    buildModel(params.architecture, {
      imageSize: params.imageSize,
      numClasses,
      seed: params.seed,
    })
  try {
    const optimizer = adam(params.learningRate)
    const classWeights =
      opts.recipe?.classWeights === false
        ? undefined
        : balancedClassWeights(train.labels, train.count, numClasses)
    const step = classifierTrainStep(model, optimizer, numClasses, classWeights)
    const patience = params.patience ?? 0
    const streams = loopStreams(params.seed, opts.resume?.state)
    const augment =
      params.augment === true && train.images ? imageAugmenter(streams.augment) : undefined
    const batchSize = Math.max(1, Math.min(params.batchSize, train.count))
    const batches = Math.ceil(train.count / batchSize)
    callbacks.onLog?.(
      `Training on ${train.count} images, validating on ${val.count}, ${numClasses} classes, ` +
        `${params.epochs} epochs of ${batches} batches (${tf.getBackend()} backend)`,
    )
    callbacks.onLog?.(
      `Recipe: ${opts.model?.name ?? params.architecture} network, augmentation ${augment ? 'on' : 'off'}, ` +
        `early stopping ${patience > 0 ? `after ${patience} epochs without progress` : 'off'}, ` +
        `learning rate ${opts.recipe?.reduceOnPlateau === false ? 'fixed' : 'halved on plateaus'}, ` +
        (classWeights
          ? `class weights ${classWeights.map((w) => w.toFixed(2)).join('/')}`
          : 'no class weights (balanced classes)'),
    )
    const result = await runTrainingLoop<ClassificationEpochMetrics>({
      model,
      optimizer,
      params,
      streams,
      augments: augment !== undefined,
      watch: { name: 'loss', direction: 'min' },
      reduceOnPlateau: opts.recipe?.reduceOnPlateau !== false,
      keepBest: 'with-patience',
      callbacks,
      ...(opts.shouldStop && { shouldStop: opts.shouldStop }),
      ...(opts.resume && { resume: opts.resume }),
      ...(opts.onCheckpoint && { onCheckpoint: opts.onCheckpoint }),
      task: {
        trainCount: train.count,
        readEpoch,
        trainBatch: (indices) => {
          const images = train.batch(indices, augment ? { augment } : {})
          const labels = labelBatch(train, indices)
          try {
            const result = step(images, labels)
            return { loss: result.loss * indices.length, correct: result.correct }
          } finally {
            images.dispose()
            labels.dispose()
          }
        },
        endEpoch: ({ epoch, sums, trainingMs, elapsedMs }) => {
          const validation = evaluate(model, val, batchSize, numClasses)
          const metrics: ClassificationEpochMetrics = {
            task: 'classification',
            epoch,
            epochs: params.epochs,
            loss: (sums.loss ?? NaN) / train.count,
            accuracy: (sums.correct ?? NaN) / train.count,
            valLoss: validation.loss,
            valAccuracy: validation.accuracy,
            imagesPerSec: train.count / Math.max(trainingMs / 1000, 1e-6),
            elapsedMs: elapsedMs(),
          }
          return { metrics, watched: validation.loss }
        },
      },
    })
    return { model, ...result }
  } catch (error) {
    model.dispose()
    throw error
  }
}
