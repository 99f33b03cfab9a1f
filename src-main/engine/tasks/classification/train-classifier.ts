// The training loop for image classification: seeded shuffles each epoch, batches cut from the
// decoded byte buffer one at a time (augmented when asked), Adam with class-balanced loss and a
// reduce-on-plateau learning rate, validation after every epoch, early stopping that puts the
// best epoch's weights back, and a yield to the event loop between batches so progress messages
// and stop requests get through.

import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../../src-shared/errors'
import type { ClassificationEpochMetrics } from '../../../../src-shared/job-events'
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
import { seededRandom, shuffleInPlace } from '../../../../src-shared/seeded-random'
import type { LoopState, LoopTensors, NamedTensor } from '../../trainer/training-checkpoint'
import { trainingSchedule } from '../../trainer/training-schedule'

export type { ImageSet, SampleSet } from '../../data/image-batches'
export { splitStratified } from '../../trainer/stratified-split'

export interface TrainCallbacks {
  onEpoch(m: ClassificationEpochMetrics): void
  onBatch?(p: { epoch: number; batch: number; batches: number }): void
  onLog?(message: string): void
}

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

/** Adam's running powers of beta1 and beta2, which setWeights recomputes with a different rounding. */
interface AdamPowers {
  accBeta1?: tf.Variable
  accBeta2?: tf.Variable
}
const ADAM_POWERS = ['accBeta1', 'accBeta2'] as const

async function optimizerState(optimizer: tf.Optimizer): Promise<NamedTensor[]> {
  const powers = optimizer as unknown as AdamPowers
  const extra = ADAM_POWERS.flatMap((name) => {
    const tensor = powers[name]
    return tensor ? [{ name: `adam/${name}`, tensor }] : []
  })
  return [...(await optimizer.getWeights()), ...extra]
}

async function restoreOptimizer(optimizer: tf.Optimizer, saved: NamedTensor[]): Promise<void> {
  const own = saved.filter(({ name }) => !name.startsWith('adam/'))
  // setWeights makes variables that share the given tensors' data: copies keep the caller's
  // tensors its own, and the copies' handles can go once the variables hold the data.
  const copies = own.map(({ name, tensor }) => ({ name, tensor: tf.clone(tensor) }))
  try {
    await optimizer.setWeights(copies)
  } finally {
    for (const { tensor } of copies) tensor.dispose()
  }
  const powers = optimizer as unknown as AdamPowers
  for (const name of ADAM_POWERS) {
    const value = saved.find((entry) => entry.name === `adam/${name}`)?.tensor
    if (value) powers[name]?.assign(value)
  }
}

function checkResumable(state: LoopState, trainCount: number, params: TrainParams): void {
  const order = [...state.order].sort((a, b) => a - b)
  if (order.length !== trainCount || order.some((value, i) => value !== i) || state.epoch < 1)
    throw new AppFailure(
      appError('CHECKPOINT_UNREADABLE', 'the checkpoint does not fit this training set', {
        details: { checkpointImages: state.order.length, trainImages: trainCount },
      }),
    )
  if (state.epoch > params.epochs)
    throw new AppFailure(
      appError('CHECKPOINT_UNREADABLE', `the checkpoint is past epoch ${params.epochs}`),
    )
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
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

/** Copies of the model's weights (batch-norm statistics included), to put back later. */
function snapshotWeights(model: tf.LayersModel): tf.Tensor[] {
  return model.getWeights().map((weight) => tf.clone(weight))
}

export async function trainClassifier(opts: TrainClassifierOptions): Promise<TrainedClassifier> {
  const { numClasses, params, callbacks, shouldStop } = opts
  checkSets(opts, numClasses, params, opts.model !== undefined)
  const train = asSampleSet(opts.train)
  const val = asSampleSet(opts.val)
  const resume = opts.resume
  if (resume) checkResumable(resume.state, train.count, params)
  const model =
    opts.model ??
    buildModel(params.architecture, {
      imageSize: params.imageSize,
      numClasses,
      seed: params.seed,
    })
  const optimizer = adam(params.learningRate)
  const classWeights =
    opts.recipe?.classWeights === false
      ? undefined
      : balancedClassWeights(train.labels, train.count, numClasses)
  const step = classifierTrainStep(model, optimizer, numClasses, classWeights)
  const patience = params.patience ?? 0
  const schedule = trainingSchedule(
    {
      learningRate: params.learningRate,
      patience,
      reduceOnPlateau: opts.recipe?.reduceOnPlateau !== false,
    },
    resume?.state.schedule,
  )
  ;(optimizer as unknown as { learningRate: number }).learningRate =
    schedule.snapshot().learningRate
  // Streams of their own, so changing the split does not change the epoch order, and switching
  // augmentation on or off does not change it either.
  const random = seededRandom(params.seed ^ 0x9e3779b9)
  const augmentRandom = seededRandom(params.seed ^ 0x85ebca6b)
  if (resume) {
    random.state = resume.state.orderRandom
    if (resume.state.augmentRandom !== undefined) augmentRandom.state = resume.state.augmentRandom
  }
  const augment =
    params.augment === true && train.images ? imageAugmenter(augmentRandom) : undefined
  const order = resume ? [...resume.state.order] : Array.from({ length: train.count }, (_, i) => i)
  const batchSize = Math.max(1, Math.min(params.batchSize, train.count))
  const batches = Math.ceil(train.count / batchSize)
  const epochs: ClassificationEpochMetrics[] = resume
    ? resume.state.epochs.flatMap((e) => classificationEpoch(e) ?? [])
    : []
  let best: tf.Tensor[] | undefined = resume?.tensors.best?.map((tensor) => tf.clone(tensor))
  let stoppedEarly = false
  // A resumed run's clock goes on from where the paused one stopped.
  const started = performance.now() - (epochs[epochs.length - 1]?.elapsedMs ?? 0)
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
  try {
    if (resume) {
      model.setWeights(resume.tensors.weights)
      await restoreOptimizer(optimizer, resume.tensors.optimizer)
      callbacks.onLog?.(`Resuming after epoch ${resume.state.epoch} of ${params.epochs}`)
    }
    for (let epoch = (resume?.state.epoch ?? 0) + 1; epoch <= params.epochs; epoch++) {
      shuffleInPlace(order, random)
      const epochStarted = performance.now()
      let lossSum = 0
      let correct = 0
      for (let batch = 0; batch < batches; batch++) {
        if (shouldStop?.())
          throw new AppFailure(appError('INTERRUPTED', `Training stopped in epoch ${epoch}`))
        const indices = order.slice(batch * batchSize, (batch + 1) * batchSize)
        const images = train.batch(indices, augment ? { augment } : {})
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
      const decision = schedule.observe(validation.loss)
      if (decision.improved && patience > 0) {
        best?.forEach((tensor) => tensor.dispose())
        best = snapshotWeights(model)
      }
      const rate = (optimizer as unknown as { learningRate: number }).learningRate
      if (decision.learningRate !== rate) {
        ;(optimizer as unknown as { learningRate: number }).learningRate = decision.learningRate
        callbacks.onLog?.(
          `Validation loss stalled: learning rate now ${decision.learningRate.toPrecision(3)}`,
        )
      }
      const metrics: ClassificationEpochMetrics = {
        task: 'classification',
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
      if (decision.stop && epoch < params.epochs) {
        stoppedEarly = true
        callbacks.onLog?.(
          `Stopped after epoch ${epoch}: no better validation loss for ${patience} epochs`,
        )
        break
      }
      if (opts.onCheckpoint && epoch < params.epochs) await saveCheckpoint(epoch)
    }
    async function saveCheckpoint(epoch: number): Promise<void> {
      const state: LoopState = {
        epoch,
        schedule: schedule.snapshot(),
        orderRandom: random.state,
        ...(augment && { augmentRandom: augmentRandom.state }),
        order: [...order],
        epochs: [...epochs],
      }
      const saved = await optimizerState(optimizer)
      try {
        await opts.onCheckpoint?.(state, {
          weights: model.getWeights(),
          optimizer: saved,
          ...(best && { best }),
        })
      } finally {
        // getWeights made the iteration count a new tensor; the rest are the optimizer's own.
        saved.find(({ name }) => name === 'iter')?.tensor.dispose()
      }
    }
    const bestEpoch = best ? schedule.bestEpoch : epochs.length
    if (best && bestEpoch !== epochs.length) {
      model.setWeights(best)
      callbacks.onLog?.(`Kept the weights of epoch ${bestEpoch}, the best on validation loss`)
    }
    return { model, epochs, bestEpoch, stoppedEarly }
  } catch (error) {
    model.dispose()
    throw error
  } finally {
    best?.forEach((tensor) => tensor.dispose())
    optimizer.dispose()
  }
}
