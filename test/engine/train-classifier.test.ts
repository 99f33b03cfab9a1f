import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import type { ClassificationEpochMetrics as EpochMetrics } from '../../src-shared/job-events'
import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../src-shared/train-params'
import { predictProbabilities } from '../../src-main/engine/tasks/classification/step'
import { selectImages } from '../../src-main/engine/data/image-batches'
import { selectBackend } from '../../src-main/engine/backend/select-backend'
import {
  splitStratified,
  trainClassifier,
  type ImageSet,
} from '../../src-main/engine/tasks/classification/train-classifier'
import { syntheticImageSet } from './synthetic-images'

const SIZE = 16
const syntheticSet = (perClass: number, seed: number) => syntheticImageSet(perClass, seed, SIZE)

function params(overrides: Partial<TrainParams> = {}): TrainParams {
  return { ...DEFAULT_TRAIN_PARAMS, imageSize: SIZE, epochs: 6, batchSize: 8, ...overrides }
}

function splitSet(set: ImageSet, seed = 1) {
  const { train, val } = splitStratified(set.labels, 0.25, seed)
  return { train: selectImages(set, train), val: selectImages(set, val) }
}

beforeAll(async () => {
  await selectBackend('wasm')
  tf.env().set('PROD', true)
})

describe('trainClassifier on wasm', () => {
  it('learns separable classes, reports every epoch and leaks no tensors', async () => {
    const { train, val } = splitSet(syntheticSet(20, 3))
    const before = tf.memory().numTensors
    const seen: EpochMetrics[] = []
    const tensorsAfterEpoch: number[] = []
    const batches: string[] = []
    const { model, epochs } = await trainClassifier({
      train,
      val,
      numClasses: 3,
      params: params(),
      callbacks: {
        onEpoch: (m) => {
          seen.push(m)
          tensorsAfterEpoch.push(tf.memory().numTensors)
        },
        onBatch: ({ epoch, batch, batches: total }) => batches.push(`${epoch}:${batch}/${total}`),
      },
    })
    try {
      expect(epochs).toEqual(seen)
      expect(epochs.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5, 6])
      const last = epochs[epochs.length - 1] as EpochMetrics
      expect(last.valAccuracy).toBeGreaterThanOrEqual(0.9)
      expect(last.accuracy).toBeGreaterThanOrEqual(0.9)
      expect(last.loss).toBeLessThan((epochs[0] as EpochMetrics).loss)
      for (const m of epochs) {
        expect(m.imagesPerSec).toBeGreaterThan(0)
        expect(m.epochs).toBe(6)
      }
      expect(epochs.map((m) => m.elapsedMs)).toEqual(
        [...epochs.map((m) => m.elapsedMs)].sort((a, b) => a - b),
      )
      // 45 training images in batches of 8: 6 batches per epoch, the last one short.
      expect(batches.slice(0, 7)).toEqual([
        '1:1/6',
        '1:2/6',
        '1:3/6',
        '1:4/6',
        '1:5/6',
        '1:6/6',
        '2:1/6',
      ])
      expect(batches).toHaveLength(36)
      // Weights and optimiser state exist from the first step on; nothing else accumulates.
      expect(new Set(tensorsAfterEpoch).size).toBe(1)
    } finally {
      model.dispose()
    }
    expect(tf.memory().numTensors).toBe(before)
  })

  it('gives the same run for the same seed', async () => {
    const { train, val } = splitSet(syntheticSet(6, 8))
    const run = async () => {
      const { model, epochs } = await trainClassifier({
        train,
        val,
        numClasses: 3,
        params: params({ epochs: 2 }),
        callbacks: { onEpoch: () => {} },
      })
      model.dispose()
      return epochs.map((m) => [m.loss, m.accuracy, m.valLoss, m.valAccuracy])
    }
    expect(await run()).toEqual(await run())
  })

  it('stops with INTERRUPTED when asked, without leaking tensors', async () => {
    const { train, val } = splitSet(syntheticSet(8, 4))
    const before = tf.memory().numTensors
    let batches = 0
    const training = trainClassifier({
      train,
      val,
      numClasses: 3,
      params: params(),
      callbacks: { onEpoch: () => {}, onBatch: () => batches++ },
      shouldStop: () => batches >= 3,
    })
    await expect(training).rejects.toMatchObject({ error: { code: 'INTERRUPTED' } })
    expect(batches).toBe(3)
    expect(tf.memory().numTensors).toBe(before)
  })

  it('refuses sets it cannot train on', async () => {
    const set = syntheticSet(4, 5)
    const { train, val } = splitSet(set)
    const attempt = (overrides: Partial<Parameters<typeof trainClassifier>[0]>) =>
      trainClassifier({
        train,
        val,
        numClasses: 3,
        params: params(),
        callbacks: { onEpoch: () => {} },
        ...overrides,
      }).then(
        () => 'trained',
        (error: unknown) => (error instanceof AppFailure ? error.error.code : String(error)),
      )
    expect(await attempt({ val: selectImages(set, []) })).toBe('TOO_FEW_IMAGES')
    expect(await attempt({ numClasses: 2 })).toBe('INVALID_TRAINING_SET')
    expect(await attempt({ params: params({ imageSize: 32 }) })).toBe('INVALID_TRAINING_SET')
  })

  it('stops early when validation loss stops improving and restores the best weights', async () => {
    // Validation labels are the training labels rotated by one class: the better the model
    // learns the training classes, the worse its validation loss gets.
    const { train, val } = splitSet(syntheticSet(12, 6))
    const misleading = { ...val, labels: val.labels.map((label) => (label + 1) % 3) }
    const before = tf.memory().numTensors
    const tensorsAfterEpoch: number[] = []
    const run = await trainClassifier({
      train,
      val: misleading,
      numClasses: 3,
      params: params({ epochs: 20, patience: 2, augment: false }),
      callbacks: { onEpoch: () => tensorsAfterEpoch.push(tf.memory().numTensors) },
    })
    try {
      expect(run.stoppedEarly).toBe(true)
      expect(run.epochs.length).toBe(run.bestEpoch + 2)
      expect(run.epochs.length).toBeLessThan(20)
      const losses = run.epochs.map((m) => m.valLoss)
      expect(Math.min(...losses)).toBe(losses[run.bestEpoch - 1])
      // The model scores now what it scored at its best epoch, not what it scored last.
      const probs = predictProbabilities(run.model, misleading, 8)
      let loss = 0
      for (let i = 0; i < misleading.count; i++) {
        const p = probs[i * 3 + (misleading.labels[i] as number)] as number
        loss -= Math.log(Math.min(1 - 1e-7, Math.max(1e-7, p)))
      }
      loss /= misleading.count
      expect(loss).toBeCloseTo(losses[run.bestEpoch - 1] as number, 4)
      expect(Math.abs(loss - (losses.at(-1) as number))).toBeGreaterThan(1e-3)
      // One kept copy of the best weights, replaced rather than piled up.
      expect(new Set(tensorsAfterEpoch).size).toBe(1)
    } finally {
      run.model.dispose()
    }
    expect(tf.memory().numTensors).toBe(before)
  })

  it('augments training batches only, the same way for the same seed', async () => {
    // One full batch and a learning rate too small to move the weights: the training loss is
    // the loss on the batch as the model saw it, the validation loss that on the plain images.
    const { train } = splitSet(syntheticSet(8, 2))
    const run = async (augment: boolean) => {
      const { model, epochs } = await trainClassifier({
        train,
        val: train,
        numClasses: 3,
        params: params({
          epochs: 1,
          batchSize: train.count,
          learningRate: 1e-6,
          architecture: 'reference',
          augment,
          patience: 0,
        }),
        callbacks: { onEpoch: () => {} },
      })
      model.dispose()
      const m = epochs[0] as EpochMetrics
      return { loss: m.loss, valLoss: m.valLoss }
    }
    const plain = await run(false)
    const augmented = await run(true)
    // Adam's first step still moves every weight by about the learning rate: a small difference.
    expect(Math.abs(plain.loss - plain.valLoss)).toBeLessThan(1e-3)
    expect(Math.abs(augmented.loss - augmented.valLoss)).toBeGreaterThan(5e-3)
    expect(Math.abs(augmented.valLoss - plain.valLoss)).toBeLessThan(1e-3)
    expect(await run(true)).toEqual(augmented)
  })
})
