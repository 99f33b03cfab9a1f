import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createS3Client, describeS3Error } from '../../src-main/storage/s3-client'
import { closedPort, startStore, type StoreFixture } from './store-fixture'

let store: StoreFixture
beforeAll(async () => {
  store = await startStore()
  await store.createBucket('roundtrip')
})
afterAll(() => store.close())

async function failureOf(s3: S3Client, command: ListObjectsV2Command | GetObjectCommand) {
  try {
    await s3.send(command as ListObjectsV2Command)
  } catch (err) {
    return err
  }
  throw new Error('expected the request to fail')
}

describe('createS3Client', () => {
  it('stores a streamed binary file byte for byte (no checksum framing inside the object)', async () => {
    const bytes = randomBytes(300_000)
    const file = join(await store.tempDir(), 'weights.bin')
    await writeFile(file, bytes)
    await store.s3.send(
      new PutObjectCommand({
        Bucket: 'roundtrip',
        Key: 'model/weights.bin',
        Body: createReadStream(file),
        ContentLength: bytes.length,
      }),
    )
    const got = await store.s3.send(
      new GetObjectCommand({ Bucket: 'roundtrip', Key: 'model/weights.bin' }),
    )
    const back = Buffer.from(await got.Body!.transformToByteArray())
    expect(back.length).toBe(bytes.length)
    expect(back.equals(bytes)).toBe(true)
  })

  it('uses path-style addressing for a custom endpoint', async () => {
    const s3 = createS3Client({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1' })
    expect(s3.config.forcePathStyle).toBe(true)
    expect(await s3.config.maxAttempts()).toBeGreaterThan(1)
    s3.destroy()
  })
})

describe('describeS3Error', () => {
  it('maps a closed port to S3_UNREACHABLE', async () => {
    const s3 = createS3Client({
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 1,
    })
    const err = await failureOf(s3, new ListObjectsV2Command({ Bucket: 'roundtrip' }))
    s3.destroy()
    const described = describeS3Error(err, { bucket: 'roundtrip' })
    expect(described.code).toBe('S3_UNREACHABLE')
    expect(described.details?.bucket).toBe('roundtrip')
  })

  it('maps a missing bucket to BUCKET_NOT_FOUND naming it', async () => {
    const err = await failureOf(store.s3, new ListObjectsV2Command({ Bucket: 'no-such-bucket' }))
    const described = describeS3Error(err, { bucket: 'no-such-bucket' })
    expect(described.code).toBe('BUCKET_NOT_FOUND')
    expect(described.message).toContain('no-such-bucket')
  })

  it('maps wrong credentials to ACCESS_DENIED', async () => {
    const s3 = createS3Client({
      endpoint: store.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' },
      maxAttempts: 1,
    })
    const err = await failureOf(s3, new ListObjectsV2Command({ Bucket: 'roundtrip' }))
    s3.destroy()
    expect(describeS3Error(err, { bucket: 'roundtrip' }).code).toBe('ACCESS_DENIED')
  })

  it('keeps other S3 codes as S3_ERROR with the code in details', async () => {
    const err = await failureOf(
      store.s3,
      new GetObjectCommand({ Bucket: 'roundtrip', Key: 'missing.bin' }),
    )
    const described = describeS3Error(err, { bucket: 'roundtrip', key: 'missing.bin' })
    expect(described.code).toBe('S3_ERROR')
    expect(described.details?.s3Code).toBe('NoSuchKey')
    expect(described.file).toBe('missing.bin')
  })
})
