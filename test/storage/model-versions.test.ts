// Model versions in the bucket: one staged set committed to a run's prefix and to the root (the
// journal names each copy's source), and promotion of a kept version to the root through the same
// journaled commit: whole when it succeeds, finished later when it is cut short between copies.

import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bareEtag, listObjects } from '../../src-main/storage/bucket-objects'
import { writeJournal } from '../../src-main/storage/commit-journal'
import { promoteStoredVersion } from '../../src-main/storage/model-versions'
import { resumeCommit } from '../../src-main/storage/publish-folder'
import { startStore, type StoreFixture } from './store-fixture'

let store: StoreFixture

beforeAll(async () => {
  store = await startStore()
})
afterAll(async () => {
  await store.close()
})

async function content(bucket: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const o of await listObjects(store.s3, bucket)) {
    const got = await store.s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.key }))
    out[o.key] = (await got.Body?.transformToString()) ?? ''
  }
  return out
}

const OLD = { 'labels.json': 'old labels', 'metrics.json': 'old metrics', 'model.h5': 'old model' }
const KEPT = {
  'runs/job-1/labels.json': 'labels 1',
  'runs/job-1/metrics.json': 'metrics 1',
  'runs/job-1/model.h5': 'model 1',
}

describe('a set committed to a run and to the root', () => {
  it('is finished from a journal whose copies name their staged source', async () => {
    const bucket = 'model-two-targets'
    const journalDir = join(await store.tempDir(), 'commits')
    await store.createBucket(bucket)
    await store.put(bucket, '.staging/job-2/model.h5', 'model 2')
    const head = await store.s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: '.staging/job-2/model.h5' }),
    )
    const staged = { bytes: 7, etag: bareEtag(head.ETag) }
    await writeJournal(journalDir, {
      version: 1,
      bucket,
      stagingId: 'job-2',
      stagingPrefix: '.staging/job-2/',
      startedAt: new Date().toISOString(),
      files: [
        { key: 'runs/job-2/model.h5', source: 'model.h5', ...staged },
        { key: 'model.h5', ...staged },
      ],
    })
    expect(await resumeCommit(store.s3, journalDir, bucket)).toMatchObject({ outcome: 'finished' })
    expect(await content(bucket)).toEqual({
      'model.h5': 'model 2',
      'runs/job-2/model.h5': 'model 2',
    })
  })
})

describe('promoteStoredVersion', () => {
  it("makes the root the version's whole set and leaves nothing staged", async () => {
    const bucket = 'model-promote'
    const journalDir = join(await store.tempDir(), 'commits')
    await store.createBucket(bucket)
    await store.putMany(bucket, { ...OLD, ...KEPT })
    const files = await promoteStoredVersion({ s3: store.s3, bucket, jobId: 'job-1', journalDir })
    expect(files.map((f) => f.key)).toEqual(['labels.json', 'metrics.json', 'model.h5'])
    expect(await content(bucket)).toEqual({
      'labels.json': 'labels 1',
      'metrics.json': 'metrics 1',
      'model.h5': 'model 1',
      ...KEPT,
    })
    expect(await readdir(journalDir)).toEqual([])
    await expect(
      promoteStoredVersion({ s3: store.s3, bucket, jobId: 'job-9', journalDir }),
    ).rejects.toMatchObject({ error: { code: 'MODEL_VERSION_NOT_FOUND', field: 'jobId' } })
  })

  it('is finished by the next commit when it is cut short between two copies', async () => {
    const bucket = 'model-promote-cut'
    const journalDir = join(await store.tempDir(), 'commits')
    await store.createBucket(bucket)
    await store.putMany(bucket, { ...OLD, ...KEPT })
    // A client whose second copy to a root key fails, as if the app died there.
    const failing = store.client({ maxAttempts: 1 })
    let rootCopies = 0
    failing.middlewareStack.add(
      (next, context) => async (args) => {
        const key = (args.input as { Key?: string }).Key ?? ''
        if (context.commandName === 'CopyObjectCommand' && !key.startsWith('.staging/'))
          if (++rootCopies === 2) throw new Error('cut short')
        return next(args)
      },
      { step: 'initialize', name: 'cutShort' },
    )
    await expect(
      promoteStoredVersion({ s3: failing, bucket, jobId: 'job-1', journalDir }),
    ).rejects.toBeDefined()
    expect(await content(bucket)).toMatchObject({
      'labels.json': 'labels 1',
      'model.h5': 'old model',
    })
    expect(await readdir(journalDir)).toEqual([`${bucket}.json`])

    expect(await resumeCommit(store.s3, journalDir, bucket)).toMatchObject({ outcome: 'finished' })
    expect(await content(bucket)).toEqual({
      'labels.json': 'labels 1',
      'metrics.json': 'metrics 1',
      'model.h5': 'model 1',
      ...KEPT,
    })
  })
})
