// Retried uploads in the job service: which model may be sent again (only the client's newest one
// on disk, from its own weights folder, never over a newer stored model), joining, refusals, and
// the short state path of such a job.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppFailure, type AppError } from '../../src-shared/errors'
import { loadSettings, localPaths, type Settings } from '../../src-main/config/settings'
import { Job } from '../../src-main/jobs/job'
import { JobService, type JobRunner, type UploadRunner } from '../../src-main/jobs/job-service'
import { RunHistory } from '../../src-main/jobs/run-history'

let home: string
let settings: Settings
let service: JobService | undefined
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'ts-retry-'))
  settings = loadSettings({ TRAINING_SERVER_HOME: home })
})
afterEach(async () => {
  await service?.close()
  service = undefined
  await rm(home, { recursive: true, force: true })
})

const weightsOf = (client: string) => localPaths(home, client).weights

/** A training runner whose upload fails (the model stays on disk), or succeeds when told. */
function trainingRunner(outcome: { stored: boolean }): JobRunner {
  return async (job) => {
    job.transition('syncing')
    job.transition('validating')
    job.transition('training')
    await mkdir(weightsOf(job.client), { recursive: true })
    await writeFile(join(weightsOf(job.client), 'model.h5'), `model of ${job.id}`)
    job.transition('exporting')
    job.transition('uploading')
    if (outcome.stored) {
      await rm(weightsOf(job.client), { recursive: true, force: true })
      job.finish({ state: 'done', Training: 'Succesfull', Storing: 'Succesfull' })
    } else
      job.finish({
        state: 'failed',
        Training: 'Succesfull',
        Storing: 'Failed',
        localModelDir: weightsOf(job.client),
      })
  }
}

/** An upload runner the test releases; it records which model each retry was for. */
function steeredUploads() {
  const sources: string[] = []
  const releases: (() => void)[] = []
  const runner: UploadRunner = async (job, source) => {
    sources.push(source.id)
    job.transition('uploading')
    await new Promise<void>((resolve) => releases.push(resolve))
    job.finish({ state: 'done', Training: 'Skipped', Storing: 'Succesfull' })
  }
  return { runner, sources, releaseAll: () => releases.splice(0).forEach((r) => r()) }
}

async function createService(runner: JobRunner, uploadRunner?: UploadRunner) {
  service = await JobService.create({
    settings,
    s3: {} as S3Client,
    history: new RunHistory(join(home, 'runs')),
    runner,
    ...(uploadRunner && { uploadRunner }),
  })
  return service
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

async function trained(jobs: JobService, client = 'client0'): Promise<Job> {
  const { job } = jobs.start({ client, trainType: 'classification' })
  await until(() => job.terminal)
  return job
}

async function refusal(work: Promise<unknown>): Promise<AppError> {
  const thrown = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(thrown).toBeInstanceOf(AppFailure)
  return (thrown as AppFailure).error
}

describe('JobService.retryUpload', () => {
  it('sends the newest unsent model in a job that goes queued → uploading → done', async () => {
    const uploads = steeredUploads()
    const jobs = await createService(trainingRunner({ stored: false }), uploads.runner)
    const source = await trained(jobs)
    const first = await jobs.retryUpload({ client: 'client0' })
    const second = await jobs.retryUpload({ jobId: source.id })
    expect(first.joined).toBe(false)
    expect(second).toMatchObject({ joined: true })
    expect(second.job.id).toBe(first.job.id)
    await until(() => first.job.state === 'uploading')
    uploads.releaseAll()
    await until(() => first.job.terminal)
    expect(uploads.sources).toEqual([source.id])
    expect(first.job.summary()).toMatchObject({ retryOf: source.id, state: 'done' })
    expect(first.job.result).toMatchObject({ retryOf: source.id, Training: 'Skipped' })
    const stages = first.job.log.all().flatMap((e) => (e.type === 'stage' ? [e.state] : []))
    expect(stages).toEqual(['queued', 'uploading', 'done'])
    // Saved like any job, and read back with its link to the source.
    await jobs.close()
    const again = await createService(trainingRunner({ stored: false }))
    expect(again.list('client0')[0]).toMatchObject({ id: first.job.id, retryOf: source.id })
  })

  it('refuses when there is nothing to send, or the model is gone from disk', async () => {
    const jobs = await createService(trainingRunner({ stored: true }))
    expect(await refusal(jobs.retryUpload({ client: 'client0' }))).toMatchObject({
      code: 'NO_MODEL_TO_UPLOAD',
    })
    await jobs.close()
    const failed = await createService(trainingRunner({ stored: false }))
    await trained(failed)
    await rm(weightsOf('client0'), { recursive: true, force: true })
    expect(await refusal(failed.retryUpload({ client: 'client0' }))).toMatchObject({
      code: 'NO_MODEL_TO_UPLOAD',
      message: expect.stringContaining('no longer in'),
    })
  })

  it('never sends an older model over a newer stored one', async () => {
    const outcome = { stored: false }
    const runner = trainingRunner(outcome)
    const jobs = await createService((job) => runner(job))
    const unsent = await trained(jobs)
    outcome.stored = true
    // A later job stored its model; the old one is back on disk (as if restored by hand).
    await trained(jobs)
    await mkdir(weightsOf('client0'), { recursive: true })
    await writeFile(join(weightsOf('client0'), 'model.h5'), 'old model')
    const error = await refusal(jobs.retryUpload({ jobId: unsent.id }))
    expect(error.code).toBe('MODEL_SUPERSEDED')
  })

  it("takes only the client's newest model, by id too, and refuses unknown ids and names", async () => {
    const jobs = await createService(trainingRunner({ stored: false }), steeredUploads().runner)
    const older = await trained(jobs)
    const newer = await trained(jobs)
    expect(await refusal(jobs.retryUpload({ jobId: older.id }))).toMatchObject({
      code: 'NO_MODEL_TO_UPLOAD',
      details: { newest: newer.id },
    })
    expect(await refusal(jobs.retryUpload({ jobId: 'client0-nope' }))).toMatchObject({
      code: 'JOB_NOT_FOUND',
    })
    expect(await refusal(jobs.retryUpload({ client: '../x' }))).toMatchObject({
      code: 'INVALID_CLIENT_NAME',
    })
  })

  it("never reads a model from a folder a saved record names, only the client's own", async () => {
    const jobs = await createService(async (job) => {
      job.transition('syncing')
      job.transition('validating')
      job.transition('training')
      job.transition('exporting')
      job.transition('uploading')
      job.finish({
        state: 'failed',
        Training: 'Succesfull',
        Storing: 'Failed',
        localModelDir: join(home, 'elsewhere'),
      })
    })
    await mkdir(join(home, 'elsewhere'), { recursive: true })
    await writeFile(join(home, 'elsewhere', 'model.h5'), 'not ours to send')
    await trained(jobs)
    expect(await refusal(jobs.retryUpload({ client: 'client0' }))).toMatchObject({
      code: 'NO_MODEL_TO_UPLOAD',
    })
  })

  it('refuses a training request while a retried upload runs, naming the upload', async () => {
    const uploads = steeredUploads()
    const jobs = await createService(trainingRunner({ stored: false }), uploads.runner)
    const source = await trained(jobs)
    const { job: upload } = await jobs.retryUpload({ client: 'client0' })
    await until(() => upload.state === 'uploading')
    for (const params of [undefined, { epochs: 2 }]) {
      let thrown: unknown
      try {
        jobs.start({ client: 'client0', trainType: 'classification', ...(params && { params }) })
      } catch (err) {
        thrown = err
      }
      expect(thrown).toBeInstanceOf(AppFailure)
      expect((thrown as AppFailure).error).toMatchObject({
        code: 'CLIENT_BUSY',
        details: { jobId: upload.id, kind: 'upload', retryOf: source.id },
      })
    }
    uploads.releaseAll()
    await until(() => upload.terminal)
    expect(jobs.list('client0')).toHaveLength(2)
  })

  it('refuses while the client has a training job running', async () => {
    let release = () => {}
    const jobs = await createService(async (job) => {
      job.transition('syncing')
      await new Promise<void>((resolve) => (release = resolve))
      job.finish({ state: 'failed', Training: 'Failed', Storing: 'Skipped' })
    })
    const { job } = jobs.start({ client: 'client0', trainType: 'classification' })
    await until(() => job.state === 'syncing')
    expect(await refusal(jobs.retryUpload({ client: 'client0' }))).toMatchObject({
      code: 'CLIENT_BUSY',
      details: { jobId: job.id, kind: 'training' },
    })
    release()
  })
})

describe('the retried upload path', () => {
  it('allows only queued → uploading → done (or failed/interrupted) for a retry job', () => {
    const init = { client: 'c', trainType: 'classification' as const, params: {} as never }
    const retry = Job.create({ ...init, id: 'c-retry', retryOf: 'c-source' })
    expect(() => retry.transition('syncing')).toThrow(/cannot move from queued to syncing/)
    retry.transition('uploading')
    retry.finish({ state: 'done', Training: 'Skipped', Storing: 'Succesfull' })
    const training = Job.create({ ...init, id: 'c-train' })
    expect(() => training.transition('uploading')).toThrow(/cannot move from queued to uploading/)
  })
})
