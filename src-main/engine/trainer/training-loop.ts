// The one epoch loop every task trains with: a seeded shuffle of the training rows each epoch,
// batches cut from it, the learning rate per step (a task's curve) or per epoch (reduce-on-plateau),
// validation after every epoch, early stopping that keeps the best epoch's weights and puts them
// back, stop requests before every batch, progress after every batch (with a yield so messages
// get through), and a checkpoint after every epoch training goes on from, which a later run
// resumes as if it had never stopped. A task brings only its batch step, its validation with the
// value early stopping watches and that value's direction.

import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../src-shared/errors'
import type { EpochMetrics } from '../../../src-shared/job-events'
import { seededRandom, shuffleInPlace, type SeededRandom } from '../../../src-shared/seeded-random'
import type { TrainParams } from '../../../src-shared/train-params'
import { optimizerState, releaseOptimizerState, restoreOptimizer } from './optimizer-state'
import type { LoopState, LoopTensors } from './training-checkpoint'
import { trainingSchedule } from './training-schedule'

export interface LoopProgress {
  epoch: number
  batch: number
  batches: number
}

export interface LoopCallbacks<M> {
  onEpoch(metrics: M): void
  onBatch?(progress: LoopProgress): void
  onLog?(message: string): void
}

/** What the loop knows when an epoch's training pass is over. */
export interface EpochEnd {
  epoch: number
  /** Per name, the sums the epoch's batches returned. */
  sums: Record<string, number>
  /** Milliseconds of this epoch's training pass (validation not counted). */
  trainingMs: number
  /** Milliseconds since training started, when called; a resumed run's clock goes on. */
  elapsedMs(): number
}

/** A task's part of the loop. */
export interface LoopTask<M extends EpochMetrics> {
  /** Rows of the training set; every epoch visits all of them once, in the shuffled order. */
  trainCount: number
  /** One optimizer step on these rows; returns sums (over the rows) its epoch metrics need. */
  trainBatch(indices: number[], epoch: number): Record<string, number>
  /** Validates the current weights: the epoch's metrics and the value early stopping watches. */
  endEpoch(end: EpochEnd): { metrics: M; watched: number }
  /** A checkpoint's epoch as this task's metrics, or undefined when it is another task's. */
  readEpoch(epoch: EpochMetrics): M | undefined
}

/** The seeded streams of a run: epoch order and augmentation, apart so neither moves the other. */
export interface LoopStreams {
  order: SeededRandom
  augment: SeededRandom
}

/** A run's streams, continued from a checkpoint's state when given. */
export function loopStreams(seed: number, from?: LoopState): LoopStreams {
  // Streams of their own, so changing the split does not change the epoch order, and switching
  // augmentation on or off does not change it either.
  const order = seededRandom(seed ^ 0x9e3779b9)
  const augment = seededRandom(seed ^ 0x85ebca6b)
  if (from) {
    order.state = from.orderRandom
    if (from.augmentRandom !== undefined) augment.state = from.augmentRandom
  }
  return { order, augment }
}

export interface TrainingLoopOptions<M extends EpochMetrics> {
  model: tf.LayersModel
  /** Disposed by the loop when it ends. */
  optimizer: tf.Optimizer
  task: LoopTask<M>
  params: Pick<TrainParams, 'epochs' | 'batchSize' | 'learningRate' | 'patience'>
  streams: LoopStreams
  /** Whether the task draws from streams.augment (its position is then checkpointed). */
  augments: boolean
  /**
   * The watched value's name in log lines, and its direction; a 'max' value lies in [0, 1] and
   * the schedule sees 1 − value, so its relative-improvement rule reads alike for both.
   */
  watch: { name: string; direction: 'min' | 'max' }
  /** The rate at each step of the whole run; without it the rate changes only on plateaus. */
  rateAt?: (step: number, totalSteps: number) => number
  /** Halve the rate when the watched value stalls (ignored with rateAt). */
  reduceOnPlateau: boolean
  /** Keep the best epoch's weights always, or only when early stopping is on (patience > 0). */
  keepBest: 'always' | 'with-patience'
  callbacks: LoopCallbacks<M>
  /** Checked before every batch; true ends training with INTERRUPTED. */
  shouldStop?: () => boolean
  /** Continues a paused run from its checkpoint (the caller keeps the tensors). */
  resume?: { state: LoopState; tensors: LoopTensors }
  /**
   * Called (and awaited) after every epoch that training goes on from, with what continuing needs.
   * The tensors are the live ones: read them before the promise settles, never dispose them.
   */
  onCheckpoint?: (state: LoopState, tensors: LoopTensors) => Promise<void>
}

export interface LoopResult<M> {
  epochs: M[]
  /** The epoch whose weights the model holds. */
  bestEpoch: number
  stoppedEarly: boolean
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function checkResumable(state: LoopState, trainCount: number, epochs: number): void {
  const order = [...state.order].sort((a, b) => a - b)
  if (order.length !== trainCount || order.some((value, i) => value !== i) || state.epoch < 1)
    throw new AppFailure(
      appError('CHECKPOINT_UNREADABLE', 'the checkpoint does not fit this training set', {
        details: { checkpointImages: state.order.length, trainImages: trainCount },
      }),
    )
  if (state.epoch > epochs)
    throw new AppFailure(
      appError('CHECKPOINT_UNREADABLE', `the checkpoint is past epoch ${epochs}`),
    )
}

function setRate(optimizer: tf.Optimizer, rate: number): void {
  ;(optimizer as unknown as { learningRate: number }).learningRate = rate
}

function rateOf(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate
}

/**
 * Trains `model` in place. On success the model holds the kept weights; the caller owns the
 * model either way (and disposes it on failure).
 */
export async function runTrainingLoop<M extends EpochMetrics>(
  opts: TrainingLoopOptions<M>,
): Promise<LoopResult<M>> {
  const { model, optimizer, task, params, streams, callbacks, shouldStop, resume, watch } = opts
  try {
    if (resume) checkResumable(resume.state, task.trainCount, params.epochs)
    const patience = params.patience ?? 0
    const schedule = trainingSchedule(
      {
        learningRate: params.learningRate,
        patience,
        reduceOnPlateau: !opts.rateAt && opts.reduceOnPlateau,
      },
      resume?.state.schedule,
    )
    if (!opts.rateAt) setRate(optimizer, schedule.snapshot().learningRate)
    const order = resume
      ? [...resume.state.order]
      : Array.from({ length: task.trainCount }, (_, i) => i)
    const batchSize = Math.max(1, Math.min(params.batchSize, task.trainCount))
    const batches = Math.ceil(task.trainCount / batchSize)
    const epochs: M[] = resume ? resume.state.epochs.flatMap((e) => task.readEpoch(e) ?? []) : []
    let best: tf.Tensor[] | undefined = resume?.tensors.best?.map((tensor) => tf.clone(tensor))
    let stoppedEarly = false
    const started = performance.now() - (epochs[epochs.length - 1]?.elapsedMs ?? 0)
    const keepsBest = opts.keepBest === 'always' || patience > 0
    try {
      if (resume) {
        model.setWeights(resume.tensors.weights)
        await restoreOptimizer(optimizer, resume.tensors.optimizer)
        callbacks.onLog?.(`Resuming after epoch ${resume.state.epoch} of ${params.epochs}`)
      }
      const saveCheckpoint = async (epoch: number): Promise<void> => {
        const state: LoopState = {
          epoch,
          schedule: schedule.snapshot(),
          orderRandom: streams.order.state,
          ...(opts.augments && { augmentRandom: streams.augment.state }),
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
          releaseOptimizerState(saved)
        }
      }
      for (let epoch = (resume?.state.epoch ?? 0) + 1; epoch <= params.epochs; epoch++) {
        shuffleInPlace(order, streams.order)
        const epochStarted = performance.now()
        const sums: Record<string, number> = {}
        for (let batch = 0; batch < batches; batch++) {
          if (shouldStop?.())
            throw new AppFailure(appError('INTERRUPTED', `Training stopped in epoch ${epoch}`))
          if (opts.rateAt)
            setRate(optimizer, opts.rateAt((epoch - 1) * batches + batch, params.epochs * batches))
          const indices = order.slice(batch * batchSize, (batch + 1) * batchSize)
          for (const [name, value] of Object.entries(task.trainBatch(indices, epoch)))
            sums[name] = (sums[name] ?? 0) + value
          callbacks.onBatch?.({ epoch, batch: batch + 1, batches })
          await yieldToEventLoop()
        }
        const { metrics, watched } = task.endEpoch({
          epoch,
          sums,
          trainingMs: performance.now() - epochStarted,
          elapsedMs: () => performance.now() - started,
        })
        const decision = schedule.observe(watch.direction === 'max' ? 1 - watched : watched)
        if (decision.improved && keepsBest) {
          best?.forEach((tensor) => tensor.dispose())
          best = model.getWeights().map((weight) => tf.clone(weight))
        }
        if (!opts.rateAt && decision.learningRate !== rateOf(optimizer)) {
          setRate(optimizer, decision.learningRate)
          callbacks.onLog?.(
            `Validation ${watch.name} stalled: learning rate now ${decision.learningRate.toPrecision(3)}`,
          )
        }
        epochs.push(metrics)
        callbacks.onEpoch(metrics)
        if (decision.stop && epoch < params.epochs) {
          stoppedEarly = true
          callbacks.onLog?.(
            `Stopped after epoch ${epoch}: no better validation ${watch.name} for ${patience} epochs`,
          )
          break
        }
        if (opts.onCheckpoint && epoch < params.epochs) await saveCheckpoint(epoch)
      }
      const bestEpoch = best ? schedule.bestEpoch : epochs.length
      if (best && bestEpoch !== epochs.length) {
        model.setWeights(best)
        callbacks.onLog?.(
          `Kept the weights of epoch ${bestEpoch}, the best on validation ${watch.name}`,
        )
      }
      return { epochs, bestEpoch, stoppedEarly }
    } finally {
      best?.forEach((tensor) => tensor.dispose())
    }
  } finally {
    optimizer.dispose()
  }
}
