// The settings service with the desktop app's kind of cipher: access keys are stored sealed and
// never sent back, a blank secret keeps the stored one, what waits for a restart is told apart
// from what is in use, and connection tests use the stored secret or open the embedded store's
// folder when another store is running.

import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS, type EditableSettings } from '../../src-shared/app-settings'
import type { SecretCipher } from '../../src-main/config/secret-cipher'
import { loadSettings, localPaths, type Settings } from '../../src-main/config/settings'
import { createSettingsService } from '../../src-main/settings-service'
import { startEmbeddedS3 } from '../../src-main/storage/embedded-s3'
import {
  loadStoreCredentials,
  storeCredentialsFile,
} from '../../src-main/storage/store-credentials'
import { createS3Client } from '../../src-main/storage/s3-client'
import { closedPort, startStore, type StoreFixture } from '../storage/store-fixture'

const cipher: SecretCipher = {
  available: () => true,
  seal: (plain) => Buffer.from(`sealed:${plain}`).toString('base64'),
  open: (sealed) =>
    Buffer.from(sealed, 'base64')
      .toString('utf8')
      .replace(/^sealed:/, ''),
}

let store: StoreFixture
let home: string
const ID = () => store.credentials.accessKeyId
const SECRET = () => store.credentials.secretAccessKey

beforeAll(async () => {
  store = await startStore()
  await store.createBucket('training-server-alpha')
  await store.createBucket('training-server-model-alpha')
})
afterAll(async () => {
  await store?.close()
})
beforeEach(async () => {
  home = await mkdtemp(join(process.env.TRAINING_SERVER_HOME ?? '', 'service-'))
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

/** Running settings as if started with the store's endpoint and its access key. */
function runningOnStore(): Settings {
  const settings = loadSettings({
    TRAINING_SERVER_HOME: home,
    AWS_ENDPOINT_URL_S3: store.endpoint,
  })
  return {
    ...settings,
    overriddenBy: {},
    s3: {
      ...settings.s3,
      credentials: {
        accessKeyId: ID(),
        secretAccessKey: SECRET(),
      },
    },
  }
}

const keys = (accessKeyId: string, secretAccessKey?: string): EditableSettings => ({
  ...DEFAULT_SETTINGS,
  s3Endpoint: store.endpoint,
  credentials: { kind: 'keys', accessKeyId, ...(secretAccessKey && { secretAccessKey }) },
})

describe('settings service', () => {
  it('stores an access key sealed, never sends the secret back, and keeps it when left blank', async () => {
    const service = createSettingsService(
      { settings: runningOnStore(), s3Endpoint: store.endpoint },
      { cipher },
    )
    const view = await service.save(keys(ID(), SECRET()))
    expect(view.secretStored).toBe(true)
    expect(view.canStoreSecrets).toBe(true)
    expect(view.values.credentials).toEqual({ kind: 'keys', accessKeyId: ID() })
    // Same endpoint, key and secret as the running ones: nothing waits for a restart.
    expect(view.pendingRestart).toEqual([])
    const text = await readFile(view.file, 'utf8')
    expect(JSON.parse(text).credentials).toEqual({
      accessKeyId: ID(),
      secretAccessKeyEncrypted: cipher.seal(SECRET()),
    })

    const kept = await service.save({ ...keys(ID()), concurrency: 2 })
    expect(kept.secretStored).toBe(true)
    expect(kept.pendingRestart).toEqual(['concurrency'])
    expect(await readFile(view.file, 'utf8')).toContain(cipher.seal(SECRET()))

    const changed = await service.save(keys(ID(), 'rotated'))
    expect(changed.pendingRestart).toEqual(['credentials'])

    await expect(service.save(keys('AKIAOTHER'))).rejects.toMatchObject({
      error: { code: 'INVALID_SETTING', field: 'credentials.secretAccessKey' },
    })
  })

  it('refuses to store a secret where the OS cannot seal it', async () => {
    const service = createSettingsService(
      { settings: runningOnStore(), s3Endpoint: store.endpoint },
      { cipher: { ...cipher, available: () => false } },
    )
    await expect(service.save(keys(ID(), SECRET()))).rejects.toMatchObject({
      error: { field: 'credentials.secretAccessKey', message: expect.stringMatching(/keychain/) },
    })
    expect((await service.get()).canStoreSecrets).toBe(false)
  })

  it('tests a connection with the stored secret when the form leaves it blank', async () => {
    const service = createSettingsService(
      { settings: runningOnStore(), s3Endpoint: store.endpoint },
      { cipher },
    )
    await service.save(keys(ID(), SECRET()))
    const test = await service.testConnection(keys(ID()))
    expect(test).toMatchObject({
      endpoint: store.endpoint,
      embedded: false,
      clients: [{ client: 'alpha', bucket: 'training-server-alpha' }],
    })
    await expect(service.testConnection(keys('AKIANEW'))).rejects.toMatchObject({
      error: { field: 'credentials.secretAccessKey' },
    })
  })

  it('opens the embedded store briefly to test it while another store is running', async () => {
    // Put a client bucket into the embedded store's folder of this home, then close that store.
    const seeded = await startEmbeddedS3({
      directory: localPaths(home, '').embeddedS3,
      port: 0,
      credentials: await loadStoreCredentials(storeCredentialsFile(home)),
    })
    const s3 = createS3Client({
      endpoint: seeded.endpoint,
      region: 'us-east-1',
      credentials: seeded.credentials,
    })
    await s3.send(new CreateBucketCommand({ Bucket: 'training-server-local' }))
    s3.destroy()
    await seeded.close()

    const service = createSettingsService({
      settings: runningOnStore(),
      s3Endpoint: store.endpoint,
    })
    const test = await service.testConnection({ ...DEFAULT_SETTINGS })
    expect(test.embedded).toBe(true)
    expect(test.clients).toEqual([{ client: 'local', bucket: 'training-server-local' }])
    // The brief store is closed again once the test has answered.
    await expect(fetch(test.endpoint)).rejects.toThrow()
  })

  it('fails a test of an unreachable store within its time limit', async () => {
    const service = createSettingsService(
      { settings: runningOnStore(), s3Endpoint: store.endpoint },
      { cipher, testTimeoutMs: 3000 },
    )
    const unreachable = {
      ...keys(ID(), SECRET()),
      s3Endpoint: `http://127.0.0.1:${await closedPort()}`,
    }
    await expect(service.testConnection(unreachable)).rejects.toMatchObject({
      error: { code: 'S3_UNREACHABLE' },
    })
  })

  it('reports an unreachable store as unreachable, with its endpoint, whatever the credentials', async () => {
    const service = createSettingsService(
      { settings: runningOnStore(), s3Endpoint: store.endpoint },
      { cipher, testTimeoutMs: 3000 },
    )
    const endpoint = `http://127.0.0.1:${await closedPort()}`
    // No credentials anywhere: the SDK fails on them before it tries the network.
    for (const credentials of [{ kind: 'chain' }, { kind: 'profile', profile: 'nowhere' }] as const)
      await expect(
        service.testConnection({ ...DEFAULT_SETTINGS, s3Endpoint: endpoint, credentials }),
      ).rejects.toMatchObject({
        error: { code: 'S3_UNREACHABLE', field: 's3Endpoint', details: { endpoint } },
      })
    await expect(
      service.testConnection({ ...keys('S3RVER', 'S3RVER'), s3Endpoint: endpoint }),
    ).rejects.toMatchObject({ error: { code: 'S3_UNREACHABLE', details: { endpoint } } })
  })

  it('still reports missing credentials for a store that answers', async () => {
    const service = createSettingsService(
      { settings: runningOnStore(), s3Endpoint: store.endpoint },
      { cipher, testTimeoutMs: 3000 },
    )
    const outcome = service.testConnection({
      ...DEFAULT_SETTINGS,
      s3Endpoint: store.endpoint,
      credentials: { kind: 'profile', profile: 'nowhere' },
    })
    await expect(outcome).rejects.toMatchObject({ error: { code: 'ACCESS_DENIED' } })
  })
})
