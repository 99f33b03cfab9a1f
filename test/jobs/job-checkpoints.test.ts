import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import * as tf from '@tensorflow/tfjs'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { AppFailure, type AppError } from '../../src-shared/errors'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { loadSettings, type Settings } from '../../src-main/config/settings'
import { writeCheckpoint } from '../../src-main/engine/trainer/training-checkpoint'
import type { Job } from '../../src-main/jobs/job'
import { checkpointDir } from '../../src-main/jobs/job-checkpoints'
import { JobService, type JobRunner } from '../../src-main/jobs/job-service'
import { RunHistory } from '../../src-main/jobs/run-history'

let home: string
let settings: Settings
// Keeps tfjs' notices out of the output.
beforeAll(() => tf.env().set('PROD', true))
const services: JobService[] = []
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'ts-checkpoints-'))
  settings = loadSettings({ TRAINING_SERVER_HOME: home })
})
afterEach(async () => {
  for (const service of services.splice(0)) await service.close()
  await rm(home, { recursive: true, force: true })
})

/** Holds each job at 'training' until it is aborted. */
const heldRunner: JobRunner = async (job) => {
  job.transition('syncing')
  job.transition('validating')
  job.transition('training')
  await new Promise((_, reject) =>
    job.controller.signal.addEventListener('abort', () => reject(job.controller.signal.reason)),
  )
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

async function service(history: RunHistory): Promise<JobService> {
  const created = await JobService.create({
    settings,
    s3: {} as S3Client,
    history,
    runner: heldRunner,
  })
  services.push(created)
  return created
}

const PARAMS = { ...DEFAULT_TRAIN_PARAMS, epochs: 9, seed: 5 }

async function checkpoint(job: Job, epoch: number): Promise<void> {
  const weights = [tf.tensor1d([1, 2, 3])]
  try {
    await writeCheckpoint(
      checkpointDir(home, job.id),
      {
        epoch,
        schedule: {
          learningRate: 1e-3,
          best: 1,
          bestEpoch: 1,
          epoch,
          sinceBest: 0,
          sinceReduction: 0,
        },
        orderRandom: 1,
        order: [0, 1],
        epochs: [],
      },
      { weights, optimizer: [] },
      { params: PARAMS, datasetFingerprint: 'f' },
    )
  } finally {
    weights.forEach((t) => t.dispose())
  }
}

function thrownBy(work: () => unknown): AppError | undefined {
  try {
    work()
  } catch (err) {
    if (err instanceof AppFailure) return err.error
    throw err
  }
  return undefined
}

describe('checkpoints in the job service', () => {
  it('a job the app was killed in comes back resumable, and resume=<id> continues it', async () => {
    const history = new RunHistory(join(home, 'runs'))
    // Dropped without close(), as if the process had been killed after epoch 3's checkpoint.
    const killed = await JobService.create({
      settings,
      s3: {} as S3Client,
      history,
      runner: heldRunner,
    })
    const { job } = killed.start({ client: 'client0', trainType: 'classification', params: PARAMS })
    await until(() => job.state === 'training')
    await checkpoint(job, 3)
    await history.flush()

    const jobs = await service(new RunHistory(join(home, 'runs')))
    const [summary] = jobs.list('client0')
    expect(summary?.result).toMatchObject({
      state: 'interrupted',
      resumable: true,
      checkpointEpoch: 3,
      error: { code: 'APP_STOPPED' },
    })

    const conflicting = thrownBy(() =>
      jobs.start({
        client: 'client0',
        trainType: 'classification',
        params: { epochs: 12 },
        resume: job.id,
      }),
    )
    expect(conflicting).toMatchObject({
      code: 'RESUME_NOT_POSSIBLE',
      details: { reason: 'params-differ', params: ['epochs'] },
    })
    const resumed = jobs.start({ client: 'client0', trainType: 'classification', resume: job.id })
    expect(resumed.job.resumeOf).toBe(job.id)
    expect(resumed.job.summary()).toMatchObject({ resumeOf: job.id, params: PARAMS })
    // While it runs, asking for another resume of it joins it; anything else is busy.
    expect(
      jobs.start({ client: 'client0', trainType: 'classification', resume: job.id }).joined,
    ).toBe(true)
    // Once the new job trains, the old one is no longer offered for resuming.
    await until(() => resumed.job.state === 'training')
    expect(jobs.list('client0').find((s) => s.id === job.id)?.result?.resumable).toBe(false)
    jobs.interrupt(resumed.job.id)
    await until(() => resumed.job.terminal)

    killed.interrupt(job.id)
    await until(() => job.terminal)
    await history.close()
  })

  it('refuses a job without a checkpoint and a malformed id', async () => {
    const jobs = await service(new RunHistory(join(home, 'runs')))
    const { job } = jobs.start({ client: 'client0', trainType: 'classification', params: PARAMS })
    await until(() => job.state === 'training')
    expect(
      thrownBy(() =>
        jobs.start({ client: 'client1', trainType: 'classification', resume: job.id }),
      ),
    ).toMatchObject({ code: 'RESUME_NOT_POSSIBLE', details: { reason: 'other-client' } })
    jobs.interrupt(job.id)
    await until(() => job.terminal)
    expect(job.result?.resumable).toBeUndefined()
    expect(
      thrownBy(() =>
        jobs.start({ client: 'client0', trainType: 'classification', resume: job.id }),
      ),
    ).toMatchObject({ code: 'RESUME_NOT_POSSIBLE', details: { reason: 'no-checkpoint' } })
    expect(
      thrownBy(() =>
        jobs.start({ client: 'client0', trainType: 'classification', resume: '../x' }),
      ),
    ).toMatchObject({ code: 'INVALID_PARAMETER', field: 'resume' })
  })

  it('discards a checkpoint on request, and a record whose checkpoint went says so on restart', async () => {
    const history = new RunHistory(join(home, 'runs'))
    const killed = await JobService.create({
      settings,
      s3: {} as S3Client,
      history,
      runner: heldRunner,
    })
    const first = killed.start({
      client: 'client0',
      trainType: 'classification',
      params: PARAMS,
    }).job
    await until(() => first.state === 'training')
    expect(
      await killed.discardCheckpoint(first.id).catch((e: AppFailure) => e.error),
    ).toMatchObject({ code: 'CLIENT_BUSY' })
    await checkpoint(first, 2)
    await history.flush()

    const jobs = await service(new RunHistory(join(home, 'runs')))
    expect(jobs.list('client0')[0]?.result).toMatchObject({ resumable: true, checkpointEpoch: 2 })
    await expect(jobs.discardCheckpoint(first.id)).resolves.toEqual({ discarded: true })
    expect(jobs.list('client0')[0]?.result?.resumable).toBe(false)
    await expect(jobs.discardCheckpoint(first.id)).resolves.toEqual({ discarded: false })
    await expect(jobs.discardCheckpoint('client0-none')).rejects.toMatchObject({
      error: { code: 'JOB_NOT_FOUND' },
    })

    // Its saved record still says resumable; the checkpoint's absence wins.
    const restarted = await service(new RunHistory(join(home, 'runs')))
    expect(restarted.list('client0')[0]?.result).toMatchObject({ resumable: false })

    killed.interrupt(first.id)
    await until(() => first.terminal)
    await history.close()
  })

  it('deletes the checkpoints of runs whose records retention removes', async () => {
    const history = new RunHistory(join(home, 'runs'))
    const killed = await JobService.create({
      settings,
      s3: {} as S3Client,
      history,
      runner: heldRunner,
    })
    const old = killed.start({ client: 'client0', trainType: 'classification', params: PARAMS }).job
    await until(() => old.state === 'training')
    await checkpoint(old, 1)
    await history.flush()

    settings = { ...settings, limits: { ...settings.limits, runRetention: 1 } }
    const jobs = await service(new RunHistory(join(home, 'runs')))
    const newer = jobs.start({ client: 'client0', trainType: 'classification', params: PARAMS }).job
    await until(() => newer.state === 'training')
    jobs.interrupt(newer.id)
    await until(() => jobs.list('client0').length === 1)
    await until(() => !existsSync(checkpointDir(home, old.id)))

    killed.interrupt(old.id)
    await until(() => old.terminal)
    await history.close()
  })
})
