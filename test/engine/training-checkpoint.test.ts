import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../src-shared/train-params'
import { selectImages } from '../../src-main/engine/data/image-batches'
import { selectBackend } from '../../src-main/engine/backend/select-backend'
import {
  splitStratified,
  trainClassifier,
} from '../../src-main/engine/tasks/classification/train-classifier'
import {
  CHECKPOINT_MANIFEST,
  disposeLoopTensors,
  readCheckpoint,
  readCheckpointManifest,
} from '../../src-main/engine/trainer/training-checkpoint'
import { syntheticImageSet } from './synthetic-images'
import { pauseAfter, resumeFrom } from './trainer/paused-runs'
import { history, maxDifference, weightsOf, withWeights } from './trainer/run-comparison'

const SIZE = 16
// Augmentation, early stopping (best weights kept) and the plateau schedule all carry state.
const PARAMS: TrainParams = {
  ...DEFAULT_TRAIN_PARAMS,
  imageSize: SIZE,
  epochs: 5,
  batchSize: 8,
  patience: 3,
  augment: true,
  seed: 7,
}
const set = syntheticImageSet(8, 5, SIZE)
const split = splitStratified(set.labels, 0.25, PARAMS.seed)
const train = selectImages(set, split.train)
const val = selectImages(set, split.val)
const dirs: string[] = []

const straightRun = () =>
  withWeights(
    trainClassifier({
      train,
      val,
      numClasses: 3,
      params: PARAMS,
      callbacks: { onEpoch: () => {} },
    }),
  )

beforeAll(async () => {
  await selectBackend('wasm', { threads: 1 })
  tf.env().set('PROD', true)
})

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

describe('checkpoint and resume', () => {
  it('a run paused after epoch 2 and resumed ends with the same weights and history', async () => {
    const first = await straightRun()
    const again = await straightRun()
    // The backend itself is deterministic: two straight runs agree bit for bit.
    expect(maxDifference(first.weights, again.weights)).toBe(0)

    const dir = await mkdtemp(join(tmpdir(), 'checkpoint-'))
    dirs.push(dir)
    const paused = trainClassifier({
      train,
      val,
      numClasses: 3,
      params: PARAMS,
      ...pauseAfter(2, dir, PARAMS),
    })
    await expect(paused).rejects.toMatchObject({ error: { code: 'INTERRUPTED' } })
    // Only the latest epoch's tensor file is kept.
    expect((await readdir(dir)).sort()).toEqual([CHECKPOINT_MANIFEST, 'epoch-0002.bin'])

    const before = tf.memory().numTensors
    const checkpoint = await readCheckpoint(dir)
    expect(checkpoint.manifest.epoch).toBe(2)
    const resumed = await trainClassifier({
      train,
      val,
      numClasses: 3,
      params: PARAMS,
      callbacks: { onEpoch: () => {} },
      ...resumeFrom(checkpoint),
    })
    disposeLoopTensors(checkpoint.tensors)
    try {
      expect(maxDifference(await weightsOf(resumed.model), first.weights)).toBe(0)
      expect(history(resumed.epochs)).toEqual(history(first.epochs))
      expect(resumed.epochs.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5])
    } finally {
      resumed.model.dispose()
    }
    expect(tf.memory().numTensors).toBe(before)
  })

  it('a half-written checkpoint is never read as whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'checkpoint-'))
    dirs.push(dir)
    // A tensor file without a manifest (the kill came before the manifest was written).
    await writeFile(join(dir, 'epoch-0003.bin'), new Uint8Array(16))
    expect(await readCheckpointManifest(dir)).toBeUndefined()
    await expect(readCheckpoint(dir)).rejects.toBeInstanceOf(AppFailure)
    // A manifest whose tensor file is gone.
    await writeFile(
      join(dir, CHECKPOINT_MANIFEST),
      JSON.stringify({ version: 1, epoch: 4, file: 'epoch-0004.bin', specs: [] }),
    )
    await expect(readCheckpoint(dir)).rejects.toMatchObject({
      error: { code: 'CHECKPOINT_UNREADABLE' },
    })
  })
})
