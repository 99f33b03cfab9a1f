// The training loop for image classification: seeded shuffles each epoch, batches cut from the
// decoded byte buffer one at a time, Adam, validation after every epoch, and a yield to the event
// loop between batches so progress messages and stop requests get through.

import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../src-shared/errors'
import type { EpochMetrics } from '../../src-shared/job-events'
import type { TrainParams } from '../../src-shared/train-params'
import { buildClassifier } from './classifier-model'
import { classifierTrainStep, evaluateBatch } from './classifier-step'
import { imageBatch, labelBatch, type ImageSet } from './image-batches'
import { seededRandom, shuffleInPlace } from './seeded-random'

export type { ImageSet } from './image-batches'
export { splitStratified } from './stratified-split'

export interface TrainCallbacks {
  onEpoch(m: EpochMetrics): void
  onBatch?(p: { epoch: number; batch: number; batches: number }): void
  onLog?(message: string): void
}

export interface TrainClassifierOptions {
  train: ImageSet
  val: ImageSet
  numClasses: number
  params: TrainParams
  callbacks: TrainCallbacks
  /** Checked before every batch; true ends training with INTERRUPTED. */
  shouldStop?: () => boolean
}

/** Mirrored copies teach that a shape is the same shape facing the other way. */
const MIRROR_PROBABILITY = 0.5

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function checkSets(train: ImageSet, val: ImageSet, numClasses: number, params: TrainParams): void {
  const problem = (message: string) =>
    new AppFailure(appError('INVALID_TRAINING_SET', message, { details: { numClasses } }))
  if (train.count < 1) throw new AppFailure(appError('TOO_FEW_IMAGES', 'No images to train on'))
  if (val.count < 1)
    throw new AppFailure(appError('TOO_FEW_IMAGES', 'No images left for validation'))
  if (numClasses < 2) throw problem('Classification needs at least two classes')
  for (const set of [train, val]) {
    if (set.size !== params.imageSize)
      throw problem(`Images are ${set.size}px but imageSize is ${params.imageSize}`)
    if (set.pixels.length !== set.count * set.size * set.size * 3 || set.labels.length < set.count)
      throw problem('Pixel or label buffers do not match the image count')
    for (let i = 0; i < set.count; i++) {
      const label = set.labels[i] as number
      if (!(label >= 0 && label < numClasses)) throw problem(`Label ${label} is out of range`)
    }
  }
}

function evaluate(model: tf.LayersModel, set: ImageSet, batchSize: number, numClasses: number) {
  let lossSum = 0
  let correct = 0
  for (let start = 0; start < set.count; start += batchSize) {
    const indices = Array.from(
      { length: Math.min(batchSize, set.count - start) },
      (_, i) => start + i,
    )
    const images = imageBatch(set, indices)
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

export async function trainClassifier(
  opts: TrainClassifierOptions,
): Promise<{ model: tf.LayersModel; epochs: EpochMetrics[] }> {
  const { train, val, numClasses, params, callbacks, shouldStop } = opts
  checkSets(train, val, numClasses, params)
  const model = buildClassifier({ imageSize: train.size, numClasses, seed: params.seed })
  const optimizer = tf.train.adam(params.learningRate)
  const step = classifierTrainStep(model, optimizer, numClasses)
  // A stream of its own, so changing the split does not change the epoch order and vice versa.
  const random = seededRandom(params.seed ^ 0x9e3779b9)
  const mirror = () => random() < MIRROR_PROBABILITY
  const order = Array.from({ length: train.count }, (_, i) => i)
  const batchSize = Math.max(1, Math.min(params.batchSize, train.count))
  const batches = Math.ceil(train.count / batchSize)
  const epochs: EpochMetrics[] = []
  const started = performance.now()
  callbacks.onLog?.(
    `Training on ${train.count} images, validating on ${val.count}, ${numClasses} classes, ` +
      `${params.epochs} epochs of ${batches} batches (${tf.getBackend()} backend)`,
  )
  try {
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      shuffleInPlace(order, random)
      const epochStarted = performance.now()
      let lossSum = 0
      let correct = 0
      for (let batch = 0; batch < batches; batch++) {
        if (shouldStop?.())
          throw new AppFailure(appError('INTERRUPTED', `Training stopped in epoch ${epoch}`))
        const indices = order.slice(batch * batchSize, (batch + 1) * batchSize)
        const images = imageBatch(train, indices, { mirror })
        const labels = labelBatch(train, indices)
        try {
          const result = step(images, labels)
          lossSum += result.loss * indices.length
          correct += result.correct
        } finally {
          images.dispose()
          labels.dispose()
        }
        callbacks.onBatch?.({ epoch, batch: batch + 1, batches })
        await yieldToEventLoop()
      }
      const trainingMs = performance.now() - epochStarted
      const validation = evaluate(model, val, batchSize, numClasses)
      const metrics: EpochMetrics = {
        epoch,
        epochs: params.epochs,
        loss: lossSum / train.count,
        accuracy: correct / train.count,
        valLoss: validation.loss,
        valAccuracy: validation.accuracy,
        imagesPerSec: train.count / Math.max(trainingMs / 1000, 1e-6),
        elapsedMs: performance.now() - started,
      }
      epochs.push(metrics)
      callbacks.onEpoch(metrics)
    }
  } catch (error) {
    model.dispose()
    throw error
  } finally {
    optimizer.dispose()
  }
  return { model, epochs }
}
