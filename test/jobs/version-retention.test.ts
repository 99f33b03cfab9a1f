// Keeping only the newest model versions (TRAINING_SERVER_MODEL_VERSIONS_KEPT): the oldest runs'
// sets go whole, the promoted one stays whatever its age, the root set is untouched, and 0 (the
// default) keeps everything.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadSettings } from '../../src-main/config/settings'
import { listModelVersions, pruneModelVersions } from '../../src-main/jobs/model-version-catalog'
import { listObjects } from '../../src-main/storage/bucket-objects'
import { startStore, type StoreFixture } from '../storage/store-fixture'

const BUCKET = 'training-server-model-client0'
const RUNS = ['client0-1', 'client0-2', 'client0-3', 'client0-4']

let store: StoreFixture
beforeEach(async () => {
  store = await startStore()
  await store.createBucket(BUCKET)
  const objects: Record<string, string> = {
    'model.h5': 'model of run 1',
    'metrics.json': JSON.stringify({ jobId: 'client0-1', finalValAccuracy: 1 }),
  }
  for (const run of RUNS) {
    objects[`runs/${run}/model.h5`] = `model of ${run}`
    objects[`runs/${run}/labels.json`] = '{}'
    objects[`runs/${run}/metrics.json`] = JSON.stringify({ jobId: run, finalValAccuracy: 0.5 })
  }
  await store.putMany(BUCKET, objects)
})
afterEach(async () => {
  await store.close()
})

const keys = async () => (await listObjects(store.s3, BUCKET)).map((o) => o.key)

describe('pruneModelVersions', () => {
  it('keeps the newest versions and the promoted one, whole, and the root set', async () => {
    expect(await pruneModelVersions(store.s3, BUCKET, 2)).toEqual(['client0-2'])
    const left = await keys()
    expect(left.filter((k) => k.startsWith('runs/client0-2/'))).toEqual([])
    for (const run of ['client0-1', 'client0-3', 'client0-4'])
      expect(left.filter((k) => k.startsWith(`runs/${run}/`))).toHaveLength(3)
    expect(left).toEqual(expect.arrayContaining(['model.h5', 'metrics.json']))
    const settings = loadSettings({ TRAINING_SERVER_HOME: store.directory })
    const versions = await listModelVersions(settings, store.s3, 'client0')
    expect(versions.map((v) => [v.jobId, v.promoted])).toEqual([
      ['client0-4', false],
      ['client0-3', false],
      ['client0-1', true],
    ])
  })

  it('keeps everything by default', async () => {
    const before = await keys()
    expect(await pruneModelVersions(store.s3, BUCKET, 0)).toEqual([])
    expect(await keys()).toEqual(before)
    expect(loadSettings({ TRAINING_SERVER_HOME: store.directory }).limits.modelVersionsKept).toBe(0)
    expect(
      loadSettings({
        TRAINING_SERVER_HOME: store.directory,
        TRAINING_SERVER_MODEL_VERSIONS_KEPT: '5',
      }).limits.modelVersionsKept,
    ).toBe(5)
  })
})
