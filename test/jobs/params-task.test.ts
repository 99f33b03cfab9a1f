// `task` on the training parameters: a job's parameters say which task they train, its run record
// keeps it, records and checkpoints written before the field read as a classifier's, and the
// worker takes its task from the parameters (refusing a request whose two tasks disagree).

import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import * as tf from '@tensorflow/tfjs'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { JobRecord } from '../../src-shared/job-events'
import { DEFAULT_TRAIN_PARAMS, taskOfParams } from '../../src-shared/train-params'
import { loadSettings, type Settings } from '../../src-main/config/settings'
import { writeCheckpoint } from '../../src-main/engine/trainer/training-checkpoint'
import { sameParams } from '../../src-main/engine/worker/resumable-training'
import { requestTask } from '../../src-main/engine/worker/training-protocol'
import { Job } from '../../src-main/jobs/job'
import { checkpointDir } from '../../src-main/jobs/job-checkpoints'
import { JobService, type JobRunner } from '../../src-main/jobs/job-service'
import { RunHistory } from '../../src-main/jobs/run-history'

let home: string
let settings: Settings
const services: JobService[] = []
beforeAll(() => tf.env().set('PROD', true))
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'ts-params-task-'))
  settings = loadSettings({ TRAINING_SERVER_HOME: home })
})
afterEach(async () => {
  for (const service of services.splice(0)) await service.close()
  await rm(home, { recursive: true, force: true })
})

/** Ends each job as failed at once: only its parameters matter here. */
const quickRunner: JobRunner = async (job) => {
  job.finish({
    state: 'failed',
    Training: 'Failed',
    Storing: 'Skipped',
    error: { code: 'INTERNAL', message: 'x' },
  })
}

async function service(history: RunHistory): Promise<JobService> {
  const created = await JobService.create({
    settings,
    s3: {} as S3Client,
    history,
    runner: quickRunner,
  })
  services.push(created)
  return created
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

describe('task on the training parameters', () => {
  it('is set on a new job of every task, and its run record keeps it', async () => {
    const history = new RunHistory(join(home, 'runs'))
    const jobs = await service(history)
    for (const [client, trainType] of [
      ['client0', 'classification'],
      ['client1', 'obj_detection'],
      ['client2', 'instance_segmentation'],
    ] as const) {
      const { job } = jobs.start({ client, trainType })
      expect(job.params.task).toBe(trainType)
      expect(job.summary().params.task).toBe(trainType)
      await until(() => job.terminal)
      await history.flush()
      const record = JSON.parse(
        await readFile(join(home, 'runs', `${job.id}.json`), 'utf8'),
      ) as JobRecord
      expect(record.params.task).toBe(trainType)
    }
    await history.close()
  })

  it('reads a record written without it as a classifier’s', async () => {
    const history = new RunHistory(join(home, 'runs'))
    // As jobs were created before the field existed.
    const old = Job.create({
      id: 'client0-old',
      client: 'client0',
      trainType: 'classification',
      params: DEFAULT_TRAIN_PARAMS,
    })
    history.track(old)
    old.finish({
      state: 'failed',
      Training: 'Failed',
      Storing: 'Skipped',
      error: { code: 'INTERNAL', message: 'x' },
    })
    await history.close()
    const jobs = await service(new RunHistory(join(home, 'runs')))
    const [summary] = jobs.list('client0')
    expect(summary?.params.task).toBeUndefined()
    expect(taskOfParams(summary?.params ?? DEFAULT_TRAIN_PARAMS)).toBe('classification')
  })

  it('resumes a classifier checkpoint written without it', async () => {
    const history = new RunHistory(join(home, 'runs'))
    const jobs = await service(history)
    const { job } = jobs.start({ client: 'client0', trainType: 'classification' })
    await until(() => job.terminal)
    // The checkpoint as a run before the field wrote it: its parameters have no task.
    const { task: _task, ...older } = job.params
    const weights = [tf.tensor1d([1])]
    await writeCheckpoint(
      checkpointDir(home, job.id),
      {
        epoch: 1,
        schedule: {
          learningRate: 1e-3,
          best: 1,
          bestEpoch: 1,
          epoch: 1,
          sinceBest: 0,
          sinceReduction: 0,
        },
        orderRandom: 1,
        order: [0],
        epochs: [],
      },
      { weights, optimizer: [] },
      { params: older, datasetFingerprint: 'f' },
    )
    weights[0]?.dispose()
    const resumed = jobs.start({ client: 'client0', trainType: 'classification', resume: job.id })
    expect(resumed.job.resumeOf).toBe(job.id)
    expect(resumed.job.params.task).toBe('classification')
    // The worker's own check sees the two parameter sets as the same.
    expect(sameParams(older, resumed.job.params)).toBe(true)
    await until(() => resumed.job.terminal)
    await history.close()
  })
})

describe('the task a worker request trains', () => {
  const params = { ...DEFAULT_TRAIN_PARAMS }

  it('absent task in checkpoint parameters equals classification, and only it', () => {
    expect(sameParams(params, { ...params, task: 'classification' })).toBe(true)
    expect(sameParams(params, { ...params, task: 'obj_detection' })).toBe(false)
    expect(
      sameParams({ ...params, task: 'obj_detection' }, { ...params, task: 'obj_detection' }),
    ).toBe(true)
  })

  it('comes from the parameters, else the request, else is classification', () => {
    expect(requestTask({ params: { ...params, task: 'obj_detection' } })).toBe('obj_detection')
    expect(requestTask({ task: 'instance_segmentation', params })).toBe('instance_segmentation')
    expect(requestTask({ params })).toBe('classification')
    expect(
      requestTask({ task: 'obj_detection', params: { ...params, task: 'obj_detection' } }),
    ).toBe('obj_detection')
  })

  it('refuses a request whose parameters and task disagree', () => {
    expect(() =>
      requestTask({ task: 'classification', params: { ...params, task: 'obj_detection' } }),
    ).toThrow(
      expect.objectContaining({ error: expect.objectContaining({ code: 'INVALID_PARAMETER' }) }),
    )
  })
})
