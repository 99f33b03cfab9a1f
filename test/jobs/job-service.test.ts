import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppFailure, type AppError } from '../../src-shared/errors'
import { loadSettings, type Settings } from '../../src-main/config/settings'
import type { Job } from '../../src-main/jobs/job'
import { JobService, type JobRunner } from '../../src-main/jobs/job-service'
import { RunHistory } from '../../src-main/jobs/run-history'

/** A runner the test steers: each job waits at 'training' until released, or ends when aborted. */
function steeredRunner() {
  const started: Job[] = []
  const releases = new Map<string, () => void>()
  const runner: JobRunner = async (job) => {
    started.push(job)
    job.transition('syncing')
    job.transition('validating')
    job.transition('training')
    await new Promise<void>((resolve, reject) => {
      releases.set(job.id, resolve)
      job.controller.signal.addEventListener('abort', () => reject(job.controller.signal.reason))
    })
    job.transition('exporting')
    job.transition('uploading')
    job.finish({ state: 'done', Training: 'Succesfull', Storing: 'Succesfull' })
  }
  const release = async (job: Job) => {
    releases.get(job.id)?.()
    await until(() => job.terminal)
  }
  return { runner, started, release }
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

let home: string
let settings: Settings
let service: JobService | undefined
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'ts-jobs-'))
  settings = loadSettings({ TRAINING_SERVER_HOME: home })
})
afterEach(async () => {
  await service?.close()
  service = undefined
  await rm(home, { recursive: true, force: true })
})

async function createService(runner: JobRunner, concurrency = 1) {
  service = await JobService.create({
    settings: { ...settings, concurrency },
    s3: {} as S3Client,
    history: new RunHistory(join(home, 'runs')),
    runner,
  })
  return service
}

const request = (client: string) => ({ client, trainType: 'classification', params: { epochs: 2 } })

/** The error a synchronous call throws, or undefined when it does not throw. */
function thrownBy(work: () => unknown): AppError | undefined {
  try {
    work()
  } catch (err) {
    if (err instanceof AppFailure) return err.error
    throw err
  }
  return undefined
}

describe('joining the running job', () => {
  it('joins with the same parameters or none, refuses other values with CLIENT_BUSY', async () => {
    const { runner, started, release } = steeredRunner()
    const jobs = await createService(runner)
    const running = jobs.start({
      client: 'client0',
      trainType: 'classification',
      params: { epochs: 20, learningRate: 0.01 },
    }).job
    await until(() => running.state === 'training')
    const ask = (params?: Record<string, unknown>) =>
      jobs.start({ client: 'client0', trainType: 'classification', ...(params && { params }) })
    expect(ask().job.id).toBe(running.id)
    expect(ask({ epochs: 20 }).job.id).toBe(running.id)
    expect(ask({ epochs: 20, learningRate: 0.01 })).toMatchObject({ joined: true })
    for (const params of [
      { epochs: 2 },
      { epochs: 20, learningRate: 0.1 },
      // Not given to the running job: its value may still change with the dataset.
      { imageSize: 64 },
    ]) {
      const refused = thrownBy(() => ask(params))
      expect(refused, JSON.stringify(params)).toMatchObject({
        code: 'CLIENT_BUSY',
        details: {
          jobId: running.id,
          kind: 'training',
          trainType: 'classification',
          params: { epochs: 20, learningRate: 0.01 },
        },
      })
    }
    expect(jobs.list('client0')).toHaveLength(1)
    await release(running)
    expect(started).toEqual([running])
  })
})

describe('JobService queue', () => {
  it('joins a second start for the same client instead of starting another job', async () => {
    const { runner, started, release } = steeredRunner()
    const jobs = await createService(runner)
    const first = jobs.start(request('client0'))
    const second = jobs.start(request('client0'))
    expect(first.joined).toBe(false)
    expect(second.joined).toBe(true)
    expect(second.job.id).toBe(first.job.id)
    await until(() => started.length === 1)
    // Still joined while it runs.
    expect(jobs.start(request('client0')).job.id).toBe(first.job.id)
    await release(first.job)
    expect(started).toHaveLength(1)
    // Once it has ended, a new start is a new job.
    const third = jobs.start(request('client0'))
    expect(third.joined).toBe(false)
    expect(third.job.id).not.toBe(first.job.id)
    await until(() => started.length === 2)
    await release(third.job)
  })

  it('with concurrency 1, queues another client until the running job ends', async () => {
    const { runner, started, release } = steeredRunner()
    const jobs = await createService(runner, 1)
    const a = jobs.start(request('client0')).job
    const b = jobs.start(request('client1')).job
    await until(() => started.length === 1)
    await new Promise((r) => setTimeout(r, 30))
    expect(b.state).toBe('queued')
    expect(started).toEqual([a])
    await release(a)
    await until(() => started.length === 2)
    expect(b.state).toBe('training')
    await release(b)
    expect(jobs.list().map((s) => s.id)).toEqual([b.id, a.id])
  })

  it('says what a queued job waits for: a free slot, once per reason', async () => {
    const { runner, started, release } = steeredRunner()
    const jobs = await createService(runner, 1)
    const a = jobs.start(request('client0')).job
    const b = jobs.start(request('client1')).job
    // Another arrival pumps the queue again; b's reason has not changed, so it is not repeated.
    const c = jobs.start(request('client2')).job
    await until(() => started.length === 1)
    const waits = (job: Job) => job.log.all().filter((e) => e.type === 'queued')
    expect(waits(a)).toEqual([])
    expect(waits(b)).toEqual([
      expect.objectContaining({
        type: 'queued',
        waitingFor: { kind: 'slot', concurrency: 1, running: ['client0'] },
        message: 'waiting for a free training slot (concurrency 1; running: client0)',
      }),
    ])
    expect(waits(c)).toHaveLength(1)
    await release(a)
    await until(() => started.length === 2)
    // c now waits for client1's slot: a new reason, said again.
    expect(waits(c).at(-1)).toMatchObject({
      waitingFor: { kind: 'slot', concurrency: 1, running: ['client1'] },
    })
    await release(b)
    await until(() => started.length === 3)
    await release(c)
  })

  it("says a queued job waits for its client's previous job while that one winds down", async () => {
    let windDown: () => void = () => undefined
    const started: Job[] = []
    const jobs = await createService(async (job) => {
      started.push(job)
      job.finish({ state: 'failed', Training: 'Failed', Storing: 'Skipped' })
      if (started.length > 1) return
      // The job has its result, but its runner still holds the client's slot (clean-up).
      await new Promise<void>((resolve) => (windDown = resolve))
    }, 2)
    const first = jobs.start(request('client0')).job
    await until(() => first.terminal)
    const second = jobs.start(request('client0')).job
    expect(second.state).toBe('queued')
    expect(second.log.all().filter((e) => e.type === 'queued')).toEqual([
      expect.objectContaining({
        waitingFor: { kind: 'client', client: 'client0', jobId: first.id },
        message: `waiting for client0's job ${first.id} to finish`,
      }),
    ])
    windDown()
    await until(() => second.terminal)
  })

  it('with concurrency 2, runs two clients at once', async () => {
    const { runner, started, release } = steeredRunner()
    const jobs = await createService(runner, 2)
    const a = jobs.start(request('client0')).job
    const b = jobs.start(request('client1')).job
    await until(() => started.length === 2)
    await release(a)
    await release(b)
  })

  it('interrupts a running job by client and a queued one by id, nothing after that runs', async () => {
    const { runner, started } = steeredRunner()
    const jobs = await createService(runner, 1)
    const a = jobs.start(request('client0')).job
    const b = jobs.start(request('client1')).job
    await until(() => a.state === 'training')
    // With concurrency 1, b waits behind a: it is still queued when interrupted by id.
    expect(b.state).toBe('queued')
    expect((await jobs.interruptAndWait(b.id))?.state).toBe('interrupted')
    expect(b.result?.Training).toBe('Interrupted')
    const t0 = Date.now()
    const summary = await jobs.interruptAndWait('client0')
    expect(Date.now() - t0).toBeLessThan(2000)
    expect(summary?.state).toBe('interrupted')
    expect(a.result?.Training).toBe('Interrupted')
    expect(a.result?.error?.code).toBe('INTERRUPTED')
    expect(await jobs.interruptAndWait('client0')).toBeUndefined()
    expect(await jobs.interruptAndWait(b.id)).toBeUndefined()
    // The freed slot must not start the dropped job: only a ever ran, and neither exported.
    await new Promise((r) => setTimeout(r, 50))
    expect(started).toEqual([a])
    for (const job of [a, b])
      expect(job.log.all().some((e) => e.type === 'stage' && e.state === 'exporting')).toBe(false)
  })

  it('fails a job whose runner throws, with the error it threw', async () => {
    const jobs = await createService(async (job) => {
      job.transition('syncing')
      throw new AppFailure({ code: 'BUCKET_NOT_FOUND', message: 'no bucket' })
    })
    const { job } = jobs.start(request('client0'))
    await until(() => job.terminal)
    expect(job.state).toBe('failed')
    expect(job.result?.error?.code).toBe('BUCKET_NOT_FOUND')
  })

  it('refuses invalid requests before creating anything', async () => {
    const jobs = await createService(steeredRunner().runner)
    const codeOf = (body: Record<string, unknown>) => {
      try {
        jobs.start(body)
      } catch (err) {
        return err instanceof AppFailure ? err.error.code : 'OTHER'
      }
      return undefined
    }
    expect(codeOf({ client: '../x', trainType: 'classification' })).toBe('INVALID_CLIENT_NAME')
    expect(codeOf({ client: 'client0', trainType: 'regression' })).toBe('INVALID_TRAIN_TYPE')
    expect(
      codeOf({ client: 'client0', trainType: 'instance_segmentation', params: { imageSize: 120 } }),
    ).toBe('INVALID_PARAMETER')
    expect(
      codeOf({ client: 'client0', trainType: 'obj_detection', params: { imageSize: 120 } }),
    ).toBe('INVALID_PARAMETER')
    expect(codeOf({ client: 'client0', trainType: 'classification', params: { epochs: 0 } })).toBe(
      'INVALID_PARAMETER',
    )
    expect(codeOf({ client: 'client0', trainType: 'classification', params: { speed: 1 } })).toBe(
      'INVALID_PARAMETER',
    )
    expect(jobs.list()).toEqual([])
    expect(await readdir(join(home, 'runs'))).toEqual([])
  })

  it('keeps jobs across restarts: a job cut off mid-run comes back interrupted (APP_STOPPED)', async () => {
    const { runner } = steeredRunner()
    const history = new RunHistory(join(home, 'runs'))
    // A service that is dropped without close(): as if the process had died mid-job.
    const crashed = await JobService.create({ settings, s3: {} as S3Client, history, runner })
    const { job } = crashed.start(request('client0'))
    await until(() => job.state === 'training')
    await history.flush()

    const jobs = await createService(steeredRunner().runner)
    const [summary] = jobs.list('client0')
    expect(summary?.id).toBe(job.id)
    expect(summary?.state).toBe('interrupted')
    expect(summary?.result?.error?.code).toBe('APP_STOPPED')
    const record = await jobs.get(job.id)
    expect(record?.events.at(-1)?.type).toBe('result')
    const replayed: string[] = []
    jobs.subscribe(job.id, (e) => replayed.push(e.type))
    await until(() => replayed.at(-1) === 'result')
    // The dropped service's job is still waiting on its runner; end it so nothing dangles.
    crashed.interrupt(job.id)
    await until(() => job.terminal)
    await history.close()
  })
})
