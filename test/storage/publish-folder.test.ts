// The journaled commit of a model set: a commit cut short is finished before the next publish to
// its bucket, even when that publish then fails; a journal whose staged copies are gone is dropped
// (only sending the model again can help), so it never blocks the bucket's later uploads.

import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bareEtag, listObjects } from '../../src-main/storage/bucket-objects'
import { writeJournal, type CommitJournal } from '../../src-main/storage/commit-journal'
import { publishFolder, resumeCommit } from '../../src-main/storage/publish-folder'
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

/** A commit of `set` journaled and staged, of which only the first file was copied. */
async function halfCommitted(
  bucket: string,
  journalDir: string,
  set: Record<string, string>,
): Promise<void> {
  const prefix = '.staging/job-1/'
  const files: CommitJournal['files'] = []
  for (const [key, body] of Object.entries(set)) {
    await store.put(bucket, prefix + key, body)
    const head = await store.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: prefix + key }))
    files.push({ key, bytes: Buffer.byteLength(body), etag: bareEtag(head.ETag) })
  }
  const [first] = Object.entries(set)
  if (first) await store.put(bucket, first[0], first[1])
  await writeJournal(journalDir, {
    version: 1,
    bucket,
    stagingId: 'job-1',
    stagingPrefix: prefix,
    startedAt: new Date().toISOString(),
    files,
  })
}

describe('publishFolder with a commit left unfinished', () => {
  it('finishes the journaled set first, even when its own upload then fails', async () => {
    const bucket = 'model-half'
    const journalDir = join(await store.tempDir(), 'commits')
    await store.createBucket(bucket)
    await store.putMany(bucket, { 'metrics.json': 'old metrics', 'model.h5': 'old model' })
    await halfCommitted(bucket, journalDir, {
      'metrics.json': 'journaled metrics',
      'model.h5': 'journaled model',
    })
    expect(await content(bucket)).toMatchObject({
      'metrics.json': 'journaled metrics',
      'model.h5': 'old model',
    })

    const missing = join(await store.tempDir(), 'no-such-folder')
    await expect(
      publishFolder({ s3: store.s3, bucket, folder: missing, stagingId: 'job-2', journalDir }),
    ).rejects.toMatchObject({ error: { code: 'UPLOAD_FAILED' } })
    expect(await content(bucket)).toEqual({
      'metrics.json': 'journaled metrics',
      'model.h5': 'journaled model',
    })
    expect(await readdir(journalDir)).toEqual([])
  })

  it('drops a journal whose staged copies are gone and leaves the bucket to the next upload', async () => {
    const bucket = 'model-gone'
    const journalDir = join(await store.tempDir(), 'commits')
    await store.createBucket(bucket)
    await store.putMany(bucket, { 'model.h5': 'old model' })
    await writeJournal(journalDir, {
      version: 1,
      bucket,
      stagingId: 'job-1',
      stagingPrefix: '.staging/job-1/',
      startedAt: new Date().toISOString(),
      files: [{ key: 'model.h5', bytes: 9, etag: '0123' }],
    })
    expect(await resumeCommit(store.s3, journalDir, bucket)).toMatchObject({
      outcome: 'abandoned',
      stagingId: 'job-1',
      error: { code: 'UPLOAD_FAILED', file: 'model.h5' },
    })
    expect(await readdir(journalDir)).toEqual([])
    expect(await content(bucket)).toEqual({ 'model.h5': 'old model' })
    expect(await resumeCommit(store.s3, journalDir, bucket)).toBeUndefined()
  })
})
