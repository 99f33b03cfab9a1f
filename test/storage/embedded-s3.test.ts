import { PutObjectCommand } from '@aws-sdk/client-s3'
import { readdir } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { startEmbeddedS3 } from '../../src-main/storage/embedded-s3'
import { startStore, type StoreFixture } from './store-fixture'

let store: StoreFixture
beforeAll(async () => {
  store = await startStore()
})
afterAll(() => store.close())

function listenOn(port: number): Promise<Server> {
  const server = createServer()
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

const closeServer = (server: Server) => new Promise<void>((r) => server.close(() => r()))

describe('startEmbeddedS3', () => {
  it('refuses a taken port with PORT_IN_USE naming the port and the setting', async () => {
    const blocker = await listenOn(0)
    const port = (blocker.address() as { port: number }).port
    try {
      const started = startEmbeddedS3({
        directory: await store.tempDir(),
        port,
        credentials: store.credentials,
      })
      await expect(started).rejects.toBeInstanceOf(AppFailure)
      const failure = (await started.catch((e: unknown) => e)) as AppFailure
      expect(failure.error.code).toBe('PORT_IN_USE')
      expect(failure.error.field).toBe('TRAINING_SERVER_S3_PORT')
      expect(failure.error.message).toContain(String(port))
    } finally {
      await closeServer(blocker)
    }
  })

  it('frees its port on close, even with a client holding a kept-alive socket', async () => {
    const second = await startEmbeddedS3({
      directory: await store.tempDir(),
      port: 0,
      credentials: store.credentials,
    })
    expect(second.endpoint).toBe(`http://127.0.0.1:${second.port}`)
    const res = await fetch(second.endpoint, { headers: { connection: 'keep-alive' } })
    await res.arrayBuffer()
    await second.close()
    const again = await listenOn(second.port)
    await closeServer(again)
  })

  it('refuses keys with dot segments instead of writing outside its folder', async () => {
    await store.createBucket('escape-check')
    for (const key of ['../evil.txt', 'a/../../evil2.txt', 'a/./evil3.txt']) {
      await expect(
        store.s3.send(new PutObjectCommand({ Bucket: 'escape-check', Key: key, Body: 'x' })),
      ).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } })
    }
    const stored = await readdir(store.directory, { recursive: true })
    expect(stored.filter((n) => n.includes('evil'))).toEqual([])
    // An ordinary key still goes through.
    await store.put('escape-check', 'a/b.txt', 'fine')
    expect(stored.length).toBeLessThan((await readdir(store.directory, { recursive: true })).length)
  })
})
