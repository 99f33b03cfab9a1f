// The shared epoch loop with a task that names nothing but its step and a scripted validation
// value: the watched value's direction decides the kept epoch and early stopping, a per-step rate
// reaches the optimizer before every batch, a plateau halves an epoch-wise rate, checkpoints come
// after every epoch but the last, and a stop request ends the run with INTERRUPTED.

import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ClassificationEpochMetrics } from '../../../src-shared/job-events'
import {
  loopStreams,
  runTrainingLoop,
  type LoopTask,
  type TrainingLoopOptions,
} from '../../../src-main/engine/trainer/training-loop'

beforeAll(async () => {
  await tf.setBackend('cpu')
  tf.env().set('PROD', true)
})

/** A one-weight model, trained towards 1 on every batch. */
function tinyModel(): tf.LayersModel {
  const model = tf.sequential()
  model.add(
    tf.layers.dense({ units: 1, inputShape: [1], useBias: false, kernelInitializer: 'zeros' }),
  )
  return model
}

function scriptedTask(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  watched: number[],
  seen: { rates: number[]; batches: number[][] },
): LoopTask<ClassificationEpochMetrics> {
  return {
    trainCount: 6,
    readEpoch: () => undefined,
    trainBatch: (indices) => {
      seen.rates.push((optimizer as unknown as { learningRate: number }).learningRate)
      seen.batches.push(indices)
      const x = tf.ones([indices.length, 1])
      const cost = optimizer.minimize(
        () => tf.losses.meanSquaredError(tf.onesLike(x), model.apply(x) as tf.Tensor) as tf.Scalar,
        true,
      )
      const value = cost?.dataSync()[0] ?? NaN
      cost?.dispose()
      x.dispose()
      return { loss: value * indices.length }
    },
    endEpoch: ({ epoch, sums, elapsedMs }) => ({
      metrics: {
        task: 'classification',
        epoch,
        epochs: 5,
        loss: (sums.loss ?? NaN) / 6,
        accuracy: 0,
        valLoss: watched[epoch - 1] ?? NaN,
        valAccuracy: 0,
        imagesPerSec: 0,
        elapsedMs: elapsedMs(),
      },
      watched: watched[epoch - 1] ?? NaN,
    }),
  }
}

function loopOptions(
  watched: number[],
  overrides: Partial<TrainingLoopOptions<ClassificationEpochMetrics>>,
) {
  const model = tinyModel()
  const optimizer = tf.train.adam(0.1)
  const seen = { rates: [] as number[], batches: [] as number[][], logs: [] as string[] }
  const kernels: number[] = []
  const opts: TrainingLoopOptions<ClassificationEpochMetrics> = {
    model,
    optimizer,
    task: scriptedTask(model, optimizer, watched, seen),
    params: { epochs: 5, batchSize: 4, learningRate: 0.1, patience: 0 },
    streams: loopStreams(3),
    augments: false,
    watch: { name: 'score', direction: 'max' },
    reduceOnPlateau: false,
    keepBest: 'always',
    callbacks: {
      onEpoch: () => kernels.push(model.getWeights()[0]?.dataSync()[0] ?? NaN),
      onLog: (message) => seen.logs.push(message),
    },
    ...overrides,
  }
  return { opts, model, seen, kernels }
}

describe('runTrainingLoop', () => {
  it('keeps the best epoch of a higher-is-better value and stops after `patience` without it', async () => {
    const { opts, model, kernels, seen } = loopOptions([0.2, 0.5, 0.4, 0.3, 0.9], {
      params: { epochs: 5, batchSize: 4, learningRate: 0.1, patience: 2 },
    })
    try {
      const result = await runTrainingLoop(opts)
      expect(result.epochs.map((m) => m.epoch)).toEqual([1, 2, 3, 4])
      expect(result).toMatchObject({ bestEpoch: 2, stoppedEarly: true })
      expect(model.getWeights()[0]?.dataSync()[0]).toBe(kernels[1])
      expect(seen.logs).toContain('Kept the weights of epoch 2, the best on validation score')
      // Every epoch visits every row once, two batches of at most four.
      expect(seen.batches.slice(0, 2).flat().sort()).toEqual([0, 1, 2, 3, 4, 5])
    } finally {
      model.dispose()
    }
  })

  it('sets a per-step rate before every batch', async () => {
    const { opts, model, seen } = loopOptions([0.1, 0.2, 0.3, 0.4, 0.5], {
      rateAt: (step, steps) => step / steps,
    })
    try {
      await runTrainingLoop(opts)
      expect(seen.rates).toEqual(Array.from({ length: 10 }, (_, i) => i / 10))
    } finally {
      model.dispose()
    }
  })

  it('halves an epoch-wise rate when a lower-is-better value stalls', async () => {
    const { opts, model, seen } = loopOptions([1, 2, 2, 2, 2], {
      watch: { name: 'loss', direction: 'min' },
      reduceOnPlateau: true,
      keepBest: 'with-patience',
    })
    try {
      const result = await runTrainingLoop(opts)
      // Without patience no best weights are kept: the last epoch's stay.
      expect(result.bestEpoch).toBe(5)
      expect(seen.logs).toContain('Validation loss stalled: learning rate now 0.0500')
      expect(seen.rates.slice(0, 6)).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
      expect(seen.rates.slice(6)).toEqual([0.05, 0.05, 0.05, 0.05])
    } finally {
      model.dispose()
    }
  })

  it('checkpoints after every epoch but the last, and ends with INTERRUPTED when asked', async () => {
    const saved: number[] = []
    const { opts, model } = loopOptions([0.1, 0.2, 0.3, 0.4, 0.5], {
      onCheckpoint: async (state) => {
        saved.push(state.epoch)
      },
    })
    try {
      await runTrainingLoop(opts)
      expect(saved).toEqual([1, 2, 3, 4])
    } finally {
      model.dispose()
    }
    const stopped = loopOptions([0.1, 0.2, 0.3, 0.4, 0.5], {})
    let epochs = 0
    stopped.opts.callbacks.onEpoch = () => epochs++
    stopped.opts.shouldStop = () => epochs >= 2
    try {
      await expect(runTrainingLoop(stopped.opts)).rejects.toMatchObject({
        error: { code: 'INTERRUPTED', message: 'Training stopped in epoch 3' },
      })
    } finally {
      stopped.model.dispose()
    }
  })
})
