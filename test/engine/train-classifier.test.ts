import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import type { EpochMetrics } from '../../src-shared/job-events'
import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../src-shared/train-params'
import { selectImages } from '../../src-main/engine/image-batches'
import { selectBackend } from '../../src-main/engine/select-backend'
import {
  splitStratified,
  trainClassifier,
  type ImageSet,
} from '../../src-main/engine/train-classifier'
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
})
