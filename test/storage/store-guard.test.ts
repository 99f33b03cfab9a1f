import { request } from 'node:http'
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { loadStoreCredentials } from '../../src-main/storage/store-credentials'
import { sendSigned } from './signed-request'
import { startStore, type StoreFixture } from './store-fixture'

let store: StoreFixture
beforeAll(async () => {
  store = await startStore()
  await store.createBucket('training-server-client0')
  await store.put('training-server-client0', 'coco/annotations.json', '{}')
})
afterAll(() => store.close())

const raw = (path: string, init: RequestInit = {}) => fetch(`${store.endpoint}${path}`, init)

describe('the embedded store refuses', () => {
  it('unsigned requests, and ones signed with another key (S3 XML codes)', async () => {
    const anonymous = await raw('/training-server-client0/coco/annotations.json')
    expect(anonymous.status).toBe(403)
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>')
    const wrongId = await sendSigned(
      store.port,
      { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      {
        method: 'GET',
        target: '/',
      },
    )
    expect(wrongId.status).toBe(403)
    expect(wrongId.text).toContain('<Code>InvalidAccessKeyId</Code>')
    const wrongSecret = await sendSigned(
      store.port,
      { ...store.credentials, secretAccessKey: 'not-the-secret-not-the-secret-xx' },
      { method: 'GET', target: '/' },
    )
    expect(wrongSecret.status).toBe(403)
    expect(wrongSecret.text).toContain('<Code>SignatureDoesNotMatch</Code>')
    const wrongPresign = await sendSigned(
      store.port,
      { ...store.credentials, secretAccessKey: 'not-the-secret-not-the-secret-xx' },
      { method: 'GET', target: '/training-server-client0/coco/annotations.json', presign: true },
    )
    expect(wrongPresign.status).toBe(403)
    const good = await sendSigned(store.port, store.credentials, { method: 'GET', target: '/' })
    expect(good.status).toBe(200)
  })

  it('a foreign Host and any browser request, even when signed', async () => {
    const foreign = await sendSigned(store.port, store.credentials, {
      method: 'GET',
      target: '/',
      headers: { host: `evil.example:${store.port}` },
    })
    expect(foreign.status).toBe(403)
    const browserHeaders: Record<string, string>[] = [
      { origin: 'http://127.0.0.1:9999' },
      { 'sec-fetch-site': 'same-site' },
    ]
    for (const headers of browserHeaders) {
      const res = await sendSigned(store.port, store.credentials, {
        method: 'GET',
        target: '/',
        headers,
      })
      expect(res.status).toBe(403)
      expect(res.text).toContain('Browser requests')
    }
  })

  it('a browser form upload (POST Object), whatever its key, and writes nothing', async () => {
    const form = new FormData()
    form.append('key', '../../../../x/pwned')
    form.append('file', new Blob(['pwned']), 'f')
    const res = await raw('/training-server-client0', { method: 'POST', body: form })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    const signed = await sendSigned(store.port, store.credentials, {
      method: 'POST',
      target: '/training-server-client0',
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      body: '--b\r\nContent-Disposition: form-data; name="key"\r\n\r\nok.txt\r\n--b--\r\n',
    })
    expect(signed.status).toBe(405)
  })

  it('a multi-object delete whose body names a key outside the store', async () => {
    const victim = join(store.directory, 'victim._S3rver_object')
    await writeFile(victim, 'keep')
    const res = await sendSigned(store.port, store.credentials, {
      method: 'POST',
      target: '/training-server-client0?delete',
      headers: { 'content-type': 'text/plain' },
      body: '<Delete><Object><Key>../victim</Key></Object></Delete>',
    })
    expect(res.status).toBe(400)
    expect(await readFile(victim, 'utf8')).toBe('keep')
  })

  it('requests dated more than 15 minutes off', async () => {
    const { SignatureV4 } = await import('@smithy/signature-v4')
    const { Sha256 } = await import('../../src-main/storage/store-signature')
    const signer = new SignatureV4({
      credentials: store.credentials,
      region: 'us-east-1',
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
    })
    const host = `127.0.0.1:${store.port}`
    const signed = await signer.sign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: '/',
        headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      },
      { signingDate: new Date(Date.now() - 20 * 60 * 1000) },
    )
    // node:http, not fetch: fetch sends Sec-Fetch-Mode, which the store refuses as a browser's.
    const text = await new Promise<string>((resolve, reject) =>
      request(
        { host: '127.0.0.1', port: store.port, path: '/', headers: signed.headers },
        (res) => {
          let body = `${res.statusCode} `
          res.on('data', (c: Buffer) => (body += c.toString()))
          res.on('end', () => resolve(body))
        },
      )
        .on('error', reject)
        .end(),
    )
    expect(text).toMatch(/^403 /)
    expect(text).toContain('<Code>RequestTimeTooSkewed</Code>')
  })
})

describe('the credentials file', () => {
  it('is made owner-only at first start, read back later, and refused when malformed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ts-creds-'))
    try {
      const file = join(dir, 's3-credentials.json')
      const made = await loadStoreCredentials(file)
      expect(made.accessKeyId).toMatch(/^[A-Z0-9]{20}$/)
      expect(made.secretAccessKey.length).toBeGreaterThanOrEqual(40)
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      await chmod(file, 0o644)
      expect(await loadStoreCredentials(file)).toEqual(made)
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      await writeFile(file, '{"accessKeyId": 1}')
      const failure = await loadStoreCredentials(file).catch((e: unknown) => e)
      expect(failure).toBeInstanceOf(AppFailure)
      expect((failure as AppFailure).error.code).toBe('S3_CREDENTIALS_INVALID')
      expect((failure as AppFailure).error.message).not.toContain(dir)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
