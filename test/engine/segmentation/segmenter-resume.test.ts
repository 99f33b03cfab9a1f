// A segmenter run interrupted after epoch 2 and resumed from its checkpoint ends where a run that
// never stopped ends: the same weights, kept epoch and segmentation epoch metrics (mask loss and
// mask mAP@.5 of the epochs before the pause included).

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { selectBackend } from '../../../src-main/engine/backend/select-backend'
import { trainSegmenter } from '../../../src-main/engine/tasks/segmentation/train-segmenter'
import {
  disposeLoopTensors,
  readCheckpoint,
} from '../../../src-main/engine/trainer/training-checkpoint'
import { drawnObjects } from '../trainer/drawn-objects'
import { drawnObjectParams, pauseAfter, resumeFrom } from '../trainer/paused-runs'
import { history, maxDifference, weightsOf, withWeights } from '../trainer/run-comparison'

const PARAMS = drawnObjectParams(9)
const SIZE = PARAMS.imageSize
const train = drawnObjects(8, 4, SIZE)
const val = drawnObjects(4, 5, SIZE)
let dir: string

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1 })
  tf.env().set('PROD', true)
  dir = await mkdtemp(join(tmpdir(), 'segmenter-checkpoint-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('segmenter checkpoints', () => {
  it('a run paused after epoch 2 and resumed equals the run that never paused', async () => {
    const straight = await withWeights(
      trainSegmenter({
        train,
        val,
        numClasses: 2,
        params: PARAMS,
        callbacks: { onEpoch: () => {} },
      }),
    )

    await expect(
      trainSegmenter({ train, val, numClasses: 2, params: PARAMS, ...pauseAfter(2, dir, PARAMS) }),
    ).rejects.toMatchObject({ error: { code: 'INTERRUPTED' } })

    const checkpoint = await readCheckpoint(dir)
    expect(checkpoint.manifest.epoch).toBe(2)
    // The checkpoint keeps the segmenter's own epochs, not the detector's underneath.
    expect(checkpoint.manifest.epochs.map((e) => e.task)).toEqual([
      'instance_segmentation',
      'instance_segmentation',
    ])
    const resumed = await trainSegmenter({
      train,
      val,
      numClasses: 2,
      params: PARAMS,
      callbacks: { onEpoch: () => {} },
      ...resumeFrom(checkpoint),
    })
    disposeLoopTensors(checkpoint.tensors)
    try {
      expect(maxDifference(await weightsOf(resumed.model), straight.weights)).toBeLessThan(1e-6)
      expect(history(resumed.epochs)).toEqual(history(straight.epochs))
      expect(resumed.epochs.map((m) => m.epoch)).toEqual(straight.epochs.map((m) => m.epoch))
      expect(resumed.epochs.every((m) => Number.isFinite(m.maskLoss))).toBe(true)
      expect(resumed.bestEpoch).toBe(straight.bestEpoch)
    } finally {
      resumed.model.dispose()
    }
  }, 300_000)
})
