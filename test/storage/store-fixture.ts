// A real S3 store for storage tests: the embedded s3rver on a random port in a temp folder, a
// client made by the app's own factory, and helpers to fill buckets. close() frees both.

import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pLimit from 'p-limit'
import { startEmbeddedS3 } from '../../src-main/storage/embedded-s3'
import {
  generateStoreCredentials,
  type StoreCredentials,
} from '../../src-main/storage/store-credentials'
import { createS3Client } from '../../src-main/storage/s3-client'

export interface StoreFixture {
  endpoint: string
  port: number
  /** The store's access key; requests signed otherwise are refused. */
  credentials: StoreCredentials
  /** Where the store keeps its buckets. */
  directory: string
  s3: S3Client
  /** A fresh client; tests that add middleware use their own. */
  client(opts?: { maxAttempts?: number }): S3Client
  /** A new empty temp folder, removed by close(). */
  tempDir(): Promise<string>
  createBucket(bucket: string): Promise<void>
  put(bucket: string, key: string, body: string | Uint8Array): Promise<void>
  putMany(bucket: string, objects: Record<string, string | Uint8Array>): Promise<void>
  close(): Promise<void>
}

export async function startStore(): Promise<StoreFixture> {
  const temps: string[] = []
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ts-storage-'))
    temps.push(dir)
    return dir
  }
  const directory = await tempDir()
  const server = await startEmbeddedS3({
    directory,
    port: 0,
    credentials: generateStoreCredentials(),
  })
  const clients: S3Client[] = []
  const client = (opts: { maxAttempts?: number } = {}) => {
    const made = createS3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: server.credentials,
      ...opts,
    })
    clients.push(made)
    return made
  }
  const s3 = client()
  const put = async (bucket: string, key: string, body: string | Uint8Array) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))
  }
  return {
    endpoint: server.endpoint,
    port: server.port,
    credentials: server.credentials,
    directory,
    s3,
    client,
    tempDir,
    createBucket: async (bucket) => {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }))
    },
    put,
    putMany: async (bucket, objects) => {
      const limit = pLimit(16)
      await Promise.all(Object.entries(objects).map(([k, v]) => limit(() => put(bucket, k, v))))
    },
    close: async () => {
      for (const c of clients) c.destroy()
      await server.close()
      await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })))
    },
  }
}

/** A port nothing listens on: bound once to learn a free number, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
