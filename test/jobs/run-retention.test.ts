import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppFailure, type AppError } from '../../src-shared/errors'
import { loadSettings } from '../../src-main/config/settings'
import type { Job } from '../../src-main/jobs/job'
import { JobService, type JobRunner } from '../../src-main/jobs/job-service'
import { RunHistory } from '../../src-main/jobs/run-history'

let home: string
let service: JobService | undefined

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'ts-retention-'))
})
afterEach(async () => {
  await service?.close()
  service = undefined
  await rm(home, { recursive: true, force: true })
})

async function createService(runner: JobRunner, env: Record<string, string> = {}) {
  service = await JobService.create({
    settings: loadSettings({ TRAINING_SERVER_HOME: home, ...env }),
    s3: {} as S3Client,
    history: new RunHistory(join(home, 'runs'), 0),
    runner,
  })
  return service
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** Starts a job and waits until it has ended and its record is settled. */
async function runOne(jobs: JobService, client: string): Promise<Job> {
  const { job } = jobs.start({ client, trainType: 'classification', params: { epochs: 1 } })
  await until(() => job.terminal)
  // Retention runs after the result: wait for the service to be idle again.
  await until(() => jobs.activeJob(client) === undefined)
  await new Promise((r) => setTimeout(r, 20))
  return job
}

const runRecords = async () =>
  (await readdir(join(home, 'runs'))).filter((name) => name.endsWith('.json')).sort()

const succeeds: JobRunner = async (job) => {
  job.transition('syncing')
  job.transition('validating')
  job.transition('training')
  job.transition('exporting')
  job.transition('uploading')
  job.finish({ state: 'done', Training: 'Succesfull', Storing: 'Succesfull' })
}

describe('run records', () => {
  it('keeps no record of a job whose dataset bucket does not exist', async () => {
    const jobs = await createService(async (job) => {
      job.transition('syncing')
      throw new AppFailure({ code: 'BUCKET_NOT_FOUND', message: 'no bucket' })
    })
    for (let i = 0; i < 5; i++) {
      const job = await runOne(jobs, `nobody${i}`)
      // The caller still learns why.
      expect(job.result?.error?.code).toBe('BUCKET_NOT_FOUND')
    }
    await jobs.close()
    expect(await runRecords()).toEqual([])
    expect(jobs.list()).toEqual([])
  })

  it('keeps the record of a job that failed after it started', async () => {
    const jobs = await createService(async (job) => {
      job.transition('syncing')
      throw new AppFailure({ code: 'S3_UNREACHABLE', message: 'the store did not answer' })
    })
    const job = await runOne(jobs, 'client0')
    await jobs.close()
    expect(await runRecords()).toEqual([`${job.id}.json`])
  })

  it('keeps the newest runRetention records per client', async () => {
    const jobs = await createService(succeeds, { TRAINING_SERVER_RUN_RETENTION: '3' })
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await runOne(jobs, 'client0')).id)
    const other = await runOne(jobs, 'client1')
    await jobs.close()
    const kept = [...ids.slice(2), other.id].map((id) => `${id}.json`).sort()
    expect(await runRecords()).toEqual(kept)
    expect(jobs.list('client0').map((s) => s.id)).toEqual(ids.slice(2).reverse())
    // A restart sees the same.
    const again = await createService(succeeds)
    expect(
      again
        .list()
        .map((s) => s.id)
        .sort(),
    ).toEqual([...ids.slice(2), other.id].sort())
  })

  it('pages the list with a cursor', async () => {
    const jobs = await createService(succeeds)
    for (let i = 0; i < 5; i++) await runOne(jobs, 'client0')
    const all = jobs.list().map((s) => s.id)
    const first = jobs.page({ limit: 2 })
    expect(first.jobs.map((s) => s.id)).toEqual(all.slice(0, 2))
    const second = jobs.page({ limit: 2, before: first.next })
    expect(second.jobs.map((s) => s.id)).toEqual(all.slice(2, 4))
    const last = jobs.page({ limit: 2, before: second.next })
    expect(last.jobs.map((s) => s.id)).toEqual(all.slice(4))
    expect(last.next).toBeUndefined()
    expect(jobs.page({}).jobs).toHaveLength(5)
    const refused = (() => {
      try {
        jobs.page({ limit: 0 })
      } catch (thrown) {
        return (thrown as AppFailure).error
      }
    })() as AppError | undefined
    expect(refused).toMatchObject({ code: 'INVALID_PARAMETER', field: 'limit' })
  })
})
