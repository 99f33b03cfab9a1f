import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure, type AppError } from '../../src-shared/errors'
import {
  isMirrorComplete,
  mirrorBucket,
  readMirrorState,
  type MirrorProgress,
} from '../../src-main/storage/mirror-bucket'
import { createS3Client } from '../../src-main/storage/s3-client'
import { closedPort, startStore, type StoreFixture } from './store-fixture'

let store: StoreFixture
beforeAll(async () => {
  store = await startStore()
})
afterAll(() => store.close())

/** Every file under a folder, relative with `/`, mapped to its text. */
async function folderContents(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  for (const e of entries) {
    if (!e.isFile()) continue
    const path = join(e.parentPath, e.name)
    out[
      path
        .slice(root.length + 1)
        .split('\\')
        .join('/')
    ] = await readFile(path, 'utf8')
  }
  return out
}

async function failureOf(work: Promise<unknown>): Promise<AppError> {
  const thrown = await work.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(thrown).toBeInstanceOf(AppFailure)
  return (thrown as AppFailure).error
}

async function freshDest(): Promise<string> {
  return join(await store.tempDir(), 'train_data', 'client')
}

describe('mirrorBucket', () => {
  const bucket = 'training-server-mirror'
  const initial = {
    'coco/annotations.json': '{"images":[]}',
    'images/a.jpg': 'aaaa',
    'images/b.jpg': 'bbbbbb',
    'images/nested/c.jpg': 'cc',
  }
  let dest: string

  beforeAll(async () => {
    await store.createBucket(bucket)
    await store.putMany(bucket, { ...initial, 'images/': '' })
    dest = await freshDest()
  })

  it('downloads everything into an empty folder and marks it complete', async () => {
    const events: MirrorProgress[] = []
    const summary = await mirrorBucket({
      s3: store.s3,
      bucket,
      dest,
      onProgress: (p) => events.push(p),
    })
    expect(summary).toMatchObject({ downloaded: 4, deleted: 0, unchanged: 0, objects: 4 })
    const bytes = Object.values(initial).reduce((sum, text) => sum + text.length, 0)
    expect(summary.bytesDownloaded).toBe(bytes)
    expect(await folderContents(dest)).toEqual(initial)
    expect(await isMirrorComplete(dest)).toBe(true)
    expect(await readMirrorState(dest)).toMatchObject({ bucket, objects: 4 })
    // The manifest is beside the folder, never inside it.
    expect(existsSync(join(dirname(dest), '.client.mirror.json'))).toBe(true)
    expect(events[0]).toMatchObject({ filesDone: 0, filesTotal: 4, bytesTotal: bytes })
    expect(events.at(-1)).toEqual({
      filesDone: 4,
      filesTotal: 4,
      bytesDone: bytes,
      bytesTotal: bytes,
    })
  })

  it('transfers nothing when nothing changed', async () => {
    const summary = await mirrorBucket({ s3: store.s3, bucket, dest })
    expect(summary).toMatchObject({ downloaded: 0, deleted: 0, unchanged: 4, bytesDownloaded: 0 })
  })

  it('re-downloads an object whose content changed at the same size (by ETag)', async () => {
    await store.put(bucket, 'images/a.jpg', 'AAAA')
    const summary = await mirrorBucket({ s3: store.s3, bucket, dest })
    expect(summary).toMatchObject({ downloaded: 1, unchanged: 3 })
    expect(await readFile(join(dest, 'images/a.jpg'), 'utf8')).toBe('AAAA')
  })

  it('repairs a local file whose size no longer matches', async () => {
    await writeFile(join(dest, 'images/b.jpg'), 'truncated-or-edited')
    const summary = await mirrorBucket({ s3: store.s3, bucket, dest })
    expect(summary).toMatchObject({ downloaded: 1, unchanged: 3 })
    expect(await readFile(join(dest, 'images/b.jpg'), 'utf8')).toBe('bbbbbb')
  })

  it('deletes local files the bucket no longer has, and emptied folders', async () => {
    await store.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'images/nested/c.jpg' }))
    await mkdir(join(dest, 'stray/deeper'), { recursive: true })
    await writeFile(join(dest, 'stray/deeper/extra.txt'), 'not in the bucket')
    await writeFile(join(dest, 'extra.txt'), 'nor this')
    const summary = await mirrorBucket({ s3: store.s3, bucket, dest })
    expect(summary).toMatchObject({ downloaded: 0, deleted: 3, unchanged: 3, objects: 3 })
    expect(Object.keys(await folderContents(dest)).sort()).toEqual([
      'coco/annotations.json',
      'images/a.jpg',
      'images/b.jpg',
    ])
    expect(existsSync(join(dest, 'images/nested'))).toBe(false)
    expect(existsSync(join(dest, 'stray'))).toBe(false)
  })
})

describe('mirrorBucket refuses unsafe keys', () => {
  /** A client whose listing also reports keys no S3-compatible test store can hold. */
  function clientListing(extraKeys: string[]): S3Client {
    const s3 = store.client()
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args)
        if (context.commandName?.startsWith('ListObjects')) {
          const output = result.output as {
            Contents?: { Key: string; Size: number; ETag: string }[]
          }
          output.Contents = [
            ...(output.Contents ?? []),
            ...extraKeys.map((Key) => ({ Key, Size: 4, ETag: '"x"' })),
          ]
        }
        return result
      },
      { step: 'initialize', name: 'injectListing' },
    )
    return s3
  }

  beforeAll(async () => {
    await store.createBucket('unsafe-keys')
    await store.putMany('unsafe-keys', { 'images/ok.jpg': 'fine', 'coco/annotations.json': '{}' })
  })

  it.each([
    ['../evil.txt'],
    ['a/../../x'],
    ['a\\b'],
    ['/etc/passwd'],
    ['C:/Windows/x'],
    ['a//b'],
    ['a/\0b'],
  ])('refuses %j before writing anything', async (key) => {
    const work = await store.tempDir()
    const dest = join(work, 'train_data', 'client')
    const error = await failureOf(
      mirrorBucket({ s3: clientListing([key]), bucket: 'unsafe-keys', dest }),
    )
    expect(error.code).toBe('UNSAFE_OBJECT_KEY')
    expect(error.file).toBe(key)
    // Not even the safe objects were written, and nothing at all outside the folder.
    expect(await readdir(work, { recursive: true })).toEqual([])
  })

  it('refuses a key that is both a file and a folder', async () => {
    const dest = await freshDest()
    const error = await failureOf(
      mirrorBucket({ s3: clientListing(['images/ok.jpg/inner']), bucket: 'unsafe-keys', dest }),
    )
    expect(error.code).toBe('OBJECT_KEY_CONFLICT')
    expect(existsSync(dest)).toBe(false)
  })
})

describe('mirrorBucket failures', () => {
  it('reports a missing bucket as BUCKET_NOT_FOUND', async () => {
    const error = await failureOf(
      mirrorBucket({ s3: store.s3, bucket: 'training-server-nobody', dest: await freshDest() }),
    )
    expect(error.code).toBe('BUCKET_NOT_FOUND')
    expect(error.message).toContain('training-server-nobody')
  })

  it('reports a folder it cannot write without naming local paths', async () => {
    const bucket = 'training-server-unwritable'
    await store.createBucket(bucket)
    await store.putMany(bucket, { 'images/a.jpg': 'aaaa' })
    const work = await store.tempDir()
    // A file where the dataset's parent folder should be: no folder can be made under it.
    await writeFile(join(work, 'train_data'), 'not a folder')
    const error = await failureOf(
      mirrorBucket({ s3: store.s3, bucket, dest: join(work, 'train_data', 'client') }),
    )
    expect(error.code).toBe('MIRROR_WRITE_FAILED')
    expect(error.message).toContain(bucket)
    expect(JSON.stringify(error)).not.toContain(work)
  })

  it('reports an unreachable store as S3_UNREACHABLE', async () => {
    const s3 = createS3Client({
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      region: 'us-east-1',
      credentials: store.credentials,
      maxAttempts: 1,
    })
    const error = await failureOf(mirrorBucket({ s3, bucket: 'anything', dest: await freshDest() }))
    s3.destroy()
    expect(error.code).toBe('S3_UNREACHABLE')
  })

  it('leaves an interrupted sync incomplete, and the next run finishes it', async () => {
    const bucket = 'training-server-interrupt'
    const objects: Record<string, string> = {}
    for (let i = 0; i < 60; i++) objects[`images/${String(i).padStart(3, '0')}.jpg`] = `image-${i}`
    await store.createBucket(bucket)
    await store.putMany(bucket, objects)
    const dest = await freshDest()
    await mirrorBucket({ s3: store.s3, bucket, dest })
    expect(await isMirrorComplete(dest)).toBe(true)
    for (const key of Object.keys(objects)) objects[key] += '-v2'
    await store.putMany(bucket, objects)

    // Abort once the tenth download has been requested: deterministic, not timing-based.
    const controller = new AbortController()
    const s3 = store.client()
    let gets = 0
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand' && ++gets === 10) controller.abort()
        return next(args)
      },
      { step: 'initialize', name: 'abortAfterTen' },
    )
    const error = await failureOf(
      mirrorBucket({ s3, bucket, dest, concurrency: 2, signal: controller.signal }),
    )
    expect(error.code).toBe('INTERRUPTED')
    expect(await isMirrorComplete(dest)).toBe(false)
    expect(await readMirrorState(dest)).toBeUndefined()
    // No temp file stays behind, beside the folder or in it.
    expect((await readdir(dirname(dest))).filter((n) => n.includes('partial'))).toEqual([])

    const summary = await mirrorBucket({ s3: store.s3, bucket, dest })
    expect(summary.downloaded).toBeGreaterThan(0)
    expect(summary.downloaded).toBeLessThan(60)
    expect(summary.unchanged + summary.downloaded).toBe(60)
    expect(await folderContents(dest)).toEqual(objects)
    expect(await isMirrorComplete(dest)).toBe(true)
  })

  it('recovers from a crashed run: stray temp files go, a torn manifest trusts nothing', async () => {
    const bucket = 'training-server-crash'
    await store.createBucket(bucket)
    await store.putMany(bucket, { 'a.txt': 'one', 'b/c.txt': 'two' })
    const dest = await freshDest()
    await mirrorBucket({ s3: store.s3, bucket, dest })
    await writeFile(join(dirname(dest), '.client.partial-deadbeef'), 'half an image')
    await writeFile(join(dirname(dest), '.client.mirror.json'), '{"version":1,"bucket":')
    expect(await isMirrorComplete(dest)).toBe(false)

    const summary = await mirrorBucket({ s3: store.s3, bucket, dest })
    expect(summary).toMatchObject({ downloaded: 2, unchanged: 0 })
    expect((await readdir(dirname(dest))).sort()).toEqual(['.client.mirror.json', 'client'])
    expect(await isMirrorComplete(dest)).toBe(true)
  })

  it('refuses to start when the signal is already aborted', async () => {
    const error = await failureOf(
      mirrorBucket({
        s3: store.s3,
        bucket: 'anything',
        dest: await freshDest(),
        signal: AbortSignal.abort(),
      }),
    )
    expect(error.code).toBe('INTERRUPTED')
  })
})
