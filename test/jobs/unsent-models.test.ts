import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JobSummary } from '../../src-shared/job-events'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { loadSettings } from '../../src-main/config/settings'
import { JobService } from '../../src-main/jobs/job-service'
import { RunHistory } from '../../src-main/jobs/run-history'
import { pruneUnsentModels, unsentModelsDir } from '../../src-main/jobs/unsent-models'

const DAY = 24 * 60 * 60 * 1000
// Models are dated relative to the real clock: jobs the service runs are stamped with it.
const NOW = Date.now() - 60_000

let home: string
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'ts-unsent-'))
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

/** A set-aside model written `ageDays` before NOW. */
async function setAside(name: string, ageDays: number, client = 'client0'): Promise<void> {
  const folder = join(unsentModelsDir(home, client), name)
  await mkdir(folder, { recursive: true })
  await writeFile(join(folder, 'model.h5'), 'model')
  const at = new Date(NOW - ageDays * DAY)
  await utimes(join(folder, 'model.h5'), at, at)
}

function storedJob(createdAt: number, client = 'client0'): JobSummary {
  const at = new Date(createdAt).toISOString()
  return {
    id: `${client}-${createdAt}`,
    client,
    trainType: 'classification',
    params: DEFAULT_TRAIN_PARAMS,
    state: 'done',
    createdAt: at,
    updatedAt: at,
    result: {
      jobId: `${client}-${createdAt}`,
      client,
      state: 'done',
      Training: 'Succesfull',
      Storing: 'Succesfull',
      timings: {},
    },
  }
}

const left = async (client = 'client0') =>
  (await readdir(unsentModelsDir(home, client)).catch(() => [] as string[])).sort()

const prune = (jobs: JobSummary[], maxAgeDays = 30) =>
  pruneUnsentModels({
    home,
    client: 'client0',
    jobs,
    weights: join(home, 'weights', 'client0'),
    maxAgeDays,
    now: NOW,
  })

describe('pruneUnsentModels', () => {
  it('never deletes the only copy of the newest unsent model, however old', async () => {
    await setAside('before-a', 400)
    expect(await prune([])).toEqual([])
    expect(await left()).toEqual(['before-a'])
  })

  it('deletes old models once a newer one is on disk, and keeps the newest', async () => {
    await setAside('before-a', 90)
    await setAside('before-b', 60)
    await setAside('before-c', 1)
    expect((await prune([])).sort()).toEqual(['before-a', 'before-b'])
    expect(await left()).toEqual(['before-c'])
  })

  it('deletes every model that a later stored upload superseded', async () => {
    await setAside('before-a', 3)
    await setAside('before-b', 2)
    await setAside('before-other', 2, 'client1')
    expect((await prune([storedJob(NOW - DAY)])).sort()).toEqual(['before-a', 'before-b'])
    expect(await left()).toEqual([])
    // Another client's model is not this client's business.
    expect(await left('client1')).toEqual(['before-other'])
  })

  it('keeps a model newer than the last stored upload', async () => {
    await setAside('before-a', 1)
    expect(await prune([storedJob(NOW - 2 * DAY)])).toEqual([])
    expect(await left()).toEqual(['before-a'])
  })
})

describe('JobService and unsent models', () => {
  it('cleans the set-aside models once a job has stored a newer model', async () => {
    await setAside('before-a', 2)
    await setAside('before-b', 1)
    const jobs = await JobService.create({
      settings: loadSettings({ TRAINING_SERVER_HOME: home }),
      s3: {} as S3Client,
      history: new RunHistory(join(home, 'runs'), 0),
      runner: async (job) => {
        job.transition('syncing')
        job.transition('validating')
        job.transition('training')
        job.transition('exporting')
        job.transition('uploading')
        job.finish({ state: 'done', Training: 'Succesfull', Storing: 'Succesfull' })
      },
    })
    try {
      const { job } = jobs.start({ client: 'client0', trainType: 'classification' })
      const end = Date.now() + 3000
      while ((await left()).length > 0 && Date.now() < end)
        await new Promise((r) => setTimeout(r, 10))
      expect(job.state).toBe('done')
      expect(await left()).toEqual([])
    } finally {
      await jobs.close()
    }
  })
})
