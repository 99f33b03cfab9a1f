import { GetObjectCommand } from '@aws-sdk/client-s3'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import type { MirrorProgress } from '../../src-main/storage/mirror-bucket'
import { ensureBucket, listObjects, uploadFolder } from '../../src-main/storage/upload-folder'
import { startStore, type StoreFixture } from './store-fixture'

let store: StoreFixture
beforeAll(async () => {
  store = await startStore()
})
afterAll(() => store.close())

async function download(bucket: string, key: string): Promise<Buffer> {
  const got = await store.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  return Buffer.from(await got.Body!.transformToByteArray())
}

describe('uploadFolder', () => {
  it('creates the bucket, uploads nested files (multipart when large) and confirms each', async () => {
    const folder = await store.tempDir()
    const weights = randomBytes(6 * 1024 * 1024)
    const labels = Buffer.from('["cat","dog"]')
    const shard = randomBytes(40_000)
    await mkdir(join(folder, 'tfjs'))
    await writeFile(join(folder, 'model.h5'), weights)
    await writeFile(join(folder, 'labels.json'), labels)
    await writeFile(join(folder, 'tfjs', 'group1-shard1of1.bin'), shard)

    const events: MirrorProgress[] = []
    const bucket = 'training-server-model-acme'
    const s3 = store.client()
    const commands: string[] = []
    s3.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(context.commandName ?? '')
        return next(args)
      },
      { step: 'initialize', name: 'recordCommands' },
    )
    const files = await uploadFolder({
      s3,
      bucket,
      folder,
      createBucket: true,
      partSize: 5 * 1024 * 1024,
      onProgress: (p) => events.push(p),
    })

    expect(files).toEqual([
      { key: 'labels.json', bytes: labels.length },
      { key: 'model.h5', bytes: weights.length },
      { key: 'tfjs/group1-shard1of1.bin', bytes: shard.length },
    ])
    expect((await download(bucket, 'model.h5')).equals(weights)).toBe(true)
    expect((await download(bucket, 'tfjs/group1-shard1of1.bin')).equals(shard)).toBe(true)
    // The 6 MiB file went up in two parts, the small ones in one request each.
    expect(commands.filter((c) => c === 'CreateMultipartUploadCommand')).toHaveLength(1)
    expect(commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(2)
    expect(commands.filter((c) => c === 'PutObjectCommand')).toHaveLength(2)
    // Each object was confirmed after its upload.
    expect(commands.filter((c) => c === 'HeadObjectCommand')).toHaveLength(3)
    const total = weights.length + labels.length + shard.length
    expect(events.at(-1)).toEqual({
      filesDone: 3,
      filesTotal: 3,
      bytesDone: total,
      bytesTotal: total,
    })
  })

  it('puts files under a key prefix into a bucket that already exists', async () => {
    const folder = await store.tempDir()
    await writeFile(join(folder, 'model.h5'), 'small model')
    const bucket = 'training-server-model-prefixed'
    await ensureBucket(store.s3, bucket)
    await ensureBucket(store.s3, bucket) // an existing bucket is fine
    const files = await uploadFolder({
      s3: store.s3,
      bucket,
      folder,
      keyPrefix: 'runs/7/',
      createBucket: true,
    })
    expect(files).toEqual([{ key: 'runs/7/model.h5', bytes: 11 }])
    expect((await download(bucket, 'runs/7/model.h5')).toString()).toBe('small model')
  })

  it('fails with UPLOAD_FAILED naming bucket and key when the bucket is missing', async () => {
    const folder = await store.tempDir()
    await writeFile(join(folder, 'model.h5'), 'x')
    const thrown = await uploadFolder({
      s3: store.s3,
      bucket: 'training-server-gone',
      folder,
    }).catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(AppFailure)
    const error = (thrown as AppFailure).error
    expect(error.code).toBe('UPLOAD_FAILED')
    expect(error.file).toBe('model.h5')
    expect(error.details?.bucket).toBe('training-server-gone')
  })
})

describe('uploadFolder refusals', () => {
  it('refuses a folder that does not exist instead of reporting an empty upload', async () => {
    const missing = join(await store.tempDir(), 'weights', 'nobody')
    const thrown = await uploadFolder({
      s3: store.s3,
      bucket: 'training-server-model-nobody',
      folder: missing,
      createBucket: true,
    }).catch((e: unknown) => e)
    expect(thrown).toBeInstanceOf(AppFailure)
    expect((thrown as AppFailure).error).toMatchObject({ code: 'UPLOAD_FAILED', file: missing })
  })
})

describe('listObjects', () => {
  it('returns every object across pages, with size and bare ETag', async () => {
    const bucket = 'many-objects'
    await store.createBucket(bucket)
    const objects: Record<string, string> = {}
    for (let i = 0; i < 25; i++) objects[`k/${String(i).padStart(4, '0')}`] = `v${i}`
    await store.putMany(bucket, objects)
    // Small pages make the store paginate without thousands of objects.
    const s3 = store.client()
    let pages = 0
    s3.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'ListObjectsCommand') {
          pages += 1
          ;(args.input as { MaxKeys?: number }).MaxKeys = 10
        }
        return next(args)
      },
      { step: 'initialize', name: 'smallPages' },
    )
    const listed = await listObjects(s3, bucket)
    expect(pages).toBe(3)
    expect(listed.map((o) => o.key)).toEqual(Object.keys(objects))
    expect(listed[0]).toMatchObject({ bytes: 2, etag: expect.stringMatching(/^[0-9a-f]{32}$/) })
  })
})
