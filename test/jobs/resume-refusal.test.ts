// The worker's own check before it resumes any task's run: a checkpoint made on another dataset
// or with other parameters is refused with RESUME_NOT_POSSIBLE, and training never starts.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../src-shared/train-params'
import { writeCheckpoint } from '../../src-main/engine/trainer/training-checkpoint'
import { trainResumable } from '../../src-main/engine/worker/resumable-training'
import type { TrainingRequest } from '../../src-main/engine/worker/training-protocol'

const PARAMS: TrainParams = { ...DEFAULT_TRAIN_PARAMS, architecture: 'centernet', epochs: 6 }
let dir: string

beforeAll(async () => {
  tf.env().set('PROD', true)
  dir = await mkdtemp(join(tmpdir(), 'resume-refusal-'))
  const weights = [tf.tensor1d([1, 2])]
  await writeCheckpoint(
    dir,
    {
      epoch: 2,
      schedule: {
        learningRate: 1e-3,
        best: 0.5,
        bestEpoch: 2,
        epoch: 2,
        sinceBest: 0,
        sinceReduction: 0,
      },
      orderRandom: 1,
      order: [1, 0],
      epochs: [],
    },
    { weights, optimizer: [] },
    { params: PARAMS, datasetFingerprint: 'boxes-v1' },
  )
  weights[0]?.dispose()
})
afterAll(() => rm(dir, { recursive: true, force: true }))

function request(params: TrainParams, fingerprint: string): TrainingRequest {
  return {
    task: 'obj_detection',
    datasetRoot: dir,
    classes: [],
    items: [],
    params,
    outDir: dir,
    cacheDir: dir,
    checkpoint: { dir, datasetFingerprint: fingerprint, resumeFrom: dir },
  }
}

describe('trainResumable', () => {
  it.each([
    ['dataset-changed', PARAMS, 'boxes-v2'],
    ['params-differ', { ...PARAMS, learningRate: 0.01 }, 'boxes-v1'],
  ] as const)('refuses a checkpoint when %s', async (reason, params, fingerprint) => {
    let trained = false
    const before = tf.memory().numTensors
    await expect(
      trainResumable(
        request(params, fingerprint),
        async () => {
          trained = true
        },
        {},
        () => {},
      ),
    ).rejects.toMatchObject({ error: { code: 'RESUME_NOT_POSSIBLE', details: { reason } } })
    expect(trained).toBe(false)
    expect(tf.memory().numTensors).toBe(before)
  })
})
