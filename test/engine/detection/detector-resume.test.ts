// A detector run interrupted after epoch 2 and resumed from its checkpoint ends where a run that
// never stopped ends: the same weights, kept epoch and epoch metrics. Augmentation, early stopping
// (best weights and best mAP), the cosine's position and Adam's state all carry over.

import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DetectionEpochMetrics } from '../../../src-shared/tasks/detection-metrics'
import { selectBackend } from '../../../src-main/engine/backend/select-backend'
import { trainDetector } from '../../../src-main/engine/tasks/detection/train-detector'
import {
  CHECKPOINT_MANIFEST,
  disposeLoopTensors,
  readCheckpoint,
} from '../../../src-main/engine/trainer/training-checkpoint'
import { drawnObjects } from '../trainer/drawn-objects'
import { drawnObjectParams, pauseAfter, resumeFrom } from '../trainer/paused-runs'
import { history, maxDifference, weightsOf, withWeights } from '../trainer/run-comparison'

const PARAMS = drawnObjectParams(5)
const SIZE = PARAMS.imageSize
const train = drawnObjects(10, 1, SIZE)
const val = drawnObjects(4, 2, SIZE)
const dirs: string[] = []

const straightRun = () =>
  withWeights(
    trainDetector({ train, val, numClasses: 2, params: PARAMS, callbacks: { onEpoch: () => {} } }),
  )

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1 })
  tf.env().set('PROD', true)
})

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

describe('detector checkpoints', () => {
  it('a run paused after epoch 2 and resumed equals the run that never paused', async () => {
    const straight = await straightRun()
    expect(straight.epochs).toHaveLength(4)

    const dir = await mkdtemp(join(tmpdir(), 'detector-checkpoint-'))
    dirs.push(dir)
    const paused = trainDetector({
      train,
      val,
      numClasses: 2,
      params: PARAMS,
      ...pauseAfter(2, dir, PARAMS),
    })
    await expect(paused).rejects.toMatchObject({ error: { code: 'INTERRUPTED' } })
    expect((await readdir(dir)).sort()).toEqual([CHECKPOINT_MANIFEST, 'epoch-0002.bin'])

    const before = tf.memory().numTensors
    const checkpoint = await readCheckpoint(dir)
    expect(checkpoint.manifest.epoch).toBe(2)
    // The position of the augmentation stream and the best weights so far are in it.
    expect(checkpoint.manifest.augmentRandom).toEqual(expect.any(Number))
    expect(checkpoint.tensors.best?.length).toBeGreaterThan(0)
    const posted: DetectionEpochMetrics[] = []
    const resumed = await trainDetector({
      train,
      val,
      numClasses: 2,
      params: PARAMS,
      callbacks: { onEpoch: (m) => posted.push(m) },
      ...resumeFrom(checkpoint),
    })
    disposeLoopTensors(checkpoint.tensors)
    try {
      expect(maxDifference(await weightsOf(resumed.model), straight.weights)).toBeLessThan(1e-6)
      expect(history(resumed.epochs)).toEqual(history(straight.epochs))
      expect(resumed.epochs.map((m) => m.epoch)).toEqual([1, 2, 3, 4])
      // Only the epochs after the pause are trained again.
      expect(posted.map((m) => m.epoch)).toEqual([3, 4])
      expect(resumed.bestEpoch).toBe(straight.bestEpoch)
      expect(resumed.stoppedEarly).toBe(straight.stoppedEarly)
    } finally {
      resumed.model.dispose()
    }
    expect(tf.memory().numTensors).toBe(before)
  }, 240_000)

  it('a checkpoint of another training set is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'detector-checkpoint-'))
    dirs.push(dir)
    await expect(
      trainDetector({
        train,
        val,
        numClasses: 2,
        params: { ...PARAMS, epochs: 2 },
        ...pauseAfter(1, dir, PARAMS),
      }),
    ).rejects.toMatchObject({ error: { code: 'INTERRUPTED' } })
    const checkpoint = await readCheckpoint(dir)
    try {
      await expect(
        trainDetector({
          train: drawnObjects(7, 3, SIZE),
          val,
          numClasses: 2,
          params: PARAMS,
          callbacks: { onEpoch: () => {} },
          ...resumeFrom(checkpoint),
        }),
      ).rejects.toMatchObject({ error: { code: 'CHECKPOINT_UNREADABLE' } })
    } finally {
      disposeLoopTensors(checkpoint.tensors)
    }
  }, 120_000)
})
