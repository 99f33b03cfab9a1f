import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbeddedS3, type EmbeddedS3 } from '../../src-main/storage/embedded-s3'
import { generateStoreCredentials } from '../../src-main/storage/store-credentials'
import { sendSigned } from './signed-request'
import { ENTRY_POINTS, fuzzEntryPoints, type FuzzStore } from './store-key-fuzz'

let parent: string
let store: EmbeddedS3
let fuzz: FuzzStore
const bucket = 'fuzz-bucket'

const tree = async () => (await readdir(parent, { recursive: true })).sort()

beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'ts-fuzz-'))
  const directory = join(parent, 'home', 's3')
  store = await startEmbeddedS3({ directory, port: 0, credentials: generateStoreCredentials() })
  const send = (method: string, target: string, body?: string) =>
    sendSigned(store.port, store.credentials, { method, target, body })
  expect((await send('PUT', `/${bucket}`)).status).toBe(200)
  expect((await send('PUT', `/${bucket}/kept.txt`, 'kept')).status).toBe(200)
  const created = await send('POST', `/${bucket}/good?uploads`)
  const uploadId = /<UploadId>([0-9a-f]+)<\/UploadId>/.exec(created.text)?.[1] ?? ''
  expect(uploadId).toMatch(/^[0-9a-f]{32}$/)
  fuzz = { port: store.port, credentials: store.credentials, bucket, uploadId }
  // Files a traversing delete or overwrite would hit, at each level above the bucket.
  for (const dir of [parent, join(parent, 'home'), directory, join(directory, bucket)]) {
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'victim._S3rver_object'), 'keep me')
    await writeFile(join(dir, 'escape.txt._S3rver_object'), 'keep me')
  }
})
afterAll(async () => {
  await store?.close()
  await rm(parent, { recursive: true, force: true })
})

describe('bad keys through every entry point of the embedded store', () => {
  it('refuses every one, signed with the right key, and changes no file in or around it', async () => {
    const before = await tree()
    const counts = await fuzzEntryPoints(fuzz)
    expect(counts.map((c) => c.entry)).toEqual([...ENTRY_POINTS])
    for (const count of counts) {
      expect(count.tried, count.entry).toBeGreaterThan(40)
      expect(count.passed, count.entry).toEqual([])
      expect(count.refused).toBe(count.tried)
    }
    expect(await tree()).toEqual(before)
  }, 120_000)

  it('still serves good keys through the same entry points', async () => {
    const send = (req: Parameters<typeof sendSigned>[2]) =>
      sendSigned(store.port, store.credentials, req)
    expect(
      (await send({ method: 'PUT', target: `/${bucket}/dir/ok%20file.txt`, body: 'ok' })).status,
    ).toBe(200)
    expect(
      (await send({ method: 'GET', target: `/${bucket}/dir/ok%20file.txt`, presign: true })).text,
    ).toBe('ok')
    expect(
      (
        await send({
          method: 'PUT',
          target: `/${bucket}/copy.txt`,
          headers: { 'x-amz-copy-source': `/${bucket}/dir/ok%20file.txt` },
        })
      ).status,
    ).toBe(200)
    const deleted = await send({
      method: 'POST',
      target: `/${bucket}?delete`,
      body: '<Delete><Object><Key>copy.txt</Key></Object></Delete>',
    })
    expect(deleted.status).toBe(200)
    expect(deleted.text).toContain('<Deleted>')
    expect((await send({ method: 'GET', target: `/${bucket}/copy.txt` })).status).toBe(404)
  })
})
