// The settings file at start: defaults, the file over the defaults, environment variables over the
// file, a clear error naming the file and the field for an invalid file, sealed secrets opened only
// with a cipher, and saves that replace the file whole.

import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkSettingsDocument } from '../../src-shared/settings-checks'
import { AppFailure, type AppError } from '../../src-shared/errors'
import type { SecretCipher } from '../../src-main/config/secret-cipher'
import { loadSettings } from '../../src-main/config/settings'
import {
  readSettingsFile,
  settingsFilePath,
  writeSettingsFile,
} from '../../src-main/config/settings-file'

let home: string
let file: string

beforeEach(async () => {
  home = await mkdtemp(join(process.env.TRAINING_SERVER_HOME ?? '', 'settings-'))
  file = settingsFilePath(home)
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

const writeJson = (value: unknown) => writeFile(file, JSON.stringify(value))
const env = (extra: Record<string, string> = {}) => ({ TRAINING_SERVER_HOME: home, ...extra })

/** A cipher that reverses and marks the text: enough to tell sealed from plain. */
const testCipher: SecretCipher = {
  available: () => true,
  seal: (plain) => Buffer.from(`sealed:${plain}`).toString('base64'),
  open: (sealed) => {
    const text = Buffer.from(sealed, 'base64').toString('utf8')
    if (!text.startsWith('sealed:')) throw new Error('not sealed by this cipher')
    return text.slice('sealed:'.length)
  },
}

function failureOf(run: () => unknown): AppError {
  try {
    run()
  } catch (thrown) {
    if (thrown instanceof AppFailure) return thrown.error
    throw thrown
  }
  throw new Error('expected an AppFailure')
}

describe('loadSettings with a settings file', () => {
  it('uses the defaults when there is no file', () => {
    const settings = loadSettings(env())
    expect(settings).toMatchObject({
      home,
      port: 8000,
      bucketPrefix: 'training-server-',
      concurrency: 1,
      backend: undefined,
      s3: { embedded: true, endpoint: undefined, region: 'us-east-1' },
      overriddenBy: {},
    })
    expect(settings.s3.credentials).toBeUndefined()
  })

  it('takes every field the file sets over the defaults', async () => {
    await writeJson({
      s3Endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-3',
      credentials: { profile: 'minio' },
      bucketPrefix: 'acme-',
      port: 8123,
      backend: 'cpu',
      concurrency: 3,
    })
    const settings = loadSettings(env())
    expect(settings).toMatchObject({
      port: 8123,
      bucketPrefix: 'acme-',
      concurrency: 3,
      backend: 'cpu',
      s3: {
        endpoint: 'http://127.0.0.1:9000',
        embedded: false,
        forcePathStyle: true,
        region: 'eu-west-3',
        credentials: { profile: 'minio' },
      },
    })
  })

  it('lets environment variables win over the file, and says which ones do', async () => {
    await writeJson({
      s3Endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-3',
      credentials: { profile: 'minio' },
      port: 8123,
      concurrency: 3,
      bucketPrefix: 'acme-',
    })
    const settings = loadSettings(
      env({
        TRAINING_SERVER_PORT: '0',
        AWS_REGION: 'us-west-2',
        AWS_ENDPOINT_URL_S3: 'http://localhost:9100',
        AWS_PROFILE: 'other',
      }),
    )
    expect(settings.port).toBe(0)
    expect(settings.s3.region).toBe('us-west-2')
    expect(settings.s3.endpoint).toBe('http://localhost:9100')
    // The environment names credentials itself: the file's profile is left to the SDK's chain.
    expect(settings.s3.credentials).toBeUndefined()
    expect(settings.concurrency).toBe(3)
    expect(settings.bucketPrefix).toBe('acme-')
    expect(settings.overriddenBy).toEqual({
      port: 'TRAINING_SERVER_PORT',
      region: 'AWS_REGION',
      s3Endpoint: 'AWS_ENDPOINT_URL_S3',
      credentials: 'AWS_PROFILE',
    })
  })

  it('refuses an invalid file with an error naming the file and the field', async () => {
    await writeJson({ port: 80.5 })
    expect(failureOf(() => loadSettings(env()))).toMatchObject({
      code: 'INVALID_SETTING',
      file,
      field: 'port',
      message: expect.stringContaining(file),
    })
    await writeJson({ credentials: { accessKeyId: 'AKIA', secretAccessKey: 'plain' } })
    expect(failureOf(() => loadSettings(env()))).toMatchObject({
      field: 'credentials.secretAccessKey',
      message: expect.stringMatching(/plain text/),
    })
    await writeJson({ prot: 8000 })
    expect(failureOf(() => loadSettings(env()))).toMatchObject({
      field: 'prot',
      message: expect.stringMatching(/"prot" is not a setting/),
    })
  })

  it('refuses broken JSON with the file and the parser position, and reads an empty file as none', async () => {
    await writeFile(file, '{ "port": 8000, }')
    const error = failureOf(() => loadSettings(env()))
    expect(error).toMatchObject({ code: 'INVALID_SETTING', file })
    expect(error.message).toMatch(/not valid JSON.*position|not valid JSON.*column/)
    await writeFile(file, '  \n')
    expect(loadSettings(env()).port).toBe(8000)
  })

  it('still refuses a bad environment variable by its name', () => {
    expect(failureOf(() => loadSettings(env({ TRAINING_SERVER_PORT: 'x' })))).toMatchObject({
      code: 'INVALID_SETTING',
      field: 'TRAINING_SERVER_PORT',
    })
  })

  it('opens a sealed secret only with a cipher, and only for a configured store', async () => {
    const sealed = testCipher.seal('s3cret')
    await writeJson({
      s3Endpoint: 'http://127.0.0.1:9000',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKeyEncrypted: sealed },
    })
    expect(loadSettings(env(), { cipher: testCipher }).s3.credentials).toEqual({
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 's3cret',
    })
    // Headless: no cipher, so a clear error instead of silently trying other credentials.
    expect(failureOf(() => loadSettings(env()))).toMatchObject({
      code: 'SECRET_UNAVAILABLE',
      file,
      field: 'credentials.secretAccessKeyEncrypted',
    })
    // The environment's keys make the stored ones irrelevant.
    expect(loadSettings(env({ AWS_ACCESS_KEY_ID: 'AKIAENV' })).s3.credentials).toBeUndefined()

    const otherAccount: SecretCipher = { ...testCipher, open: () => testCipher.open('eA==') }
    expect(failureOf(() => loadSettings(env(), { cipher: otherAccount }))).toMatchObject({
      code: 'SECRET_UNAVAILABLE',
      message: expect.stringMatching(/cannot be opened/),
    })

    await writeJson({
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKeyEncrypted: sealed },
    })
    // The embedded store has its own keys: the stored ones are not even opened.
    const embedded = loadSettings(env()).s3
    expect(embedded.embedded).toBe(true)
    expect(embedded.credentials).toBeUndefined()
  })
})

describe('the settings file', () => {
  it('is written whole, owner-only, and reads back as written', async () => {
    await writeSettingsFile(file, { port: 9001, backend: 'wasm', credentials: { profile: 'p1' } })
    expect(readSettingsFile(file)).toEqual({
      port: 9001,
      backend: 'wasm',
      credentials: { profile: 'p1' },
    })
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      port: 9001,
      backend: 'wasm',
      credentials: { profile: 'p1' },
    })
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600)
    // No temp file is left next to it.
    expect(await readdir(home)).toEqual(['settings.json'])
  })

  it('refuses to write an invalid document, keeping the file as it was', async () => {
    await writeSettingsFile(file, { port: 9001 })
    await expect(writeSettingsFile(file, { port: 70000 })).rejects.toMatchObject({
      error: { code: 'INVALID_SETTING', field: 'port', file },
    })
    expect(readSettingsFile(file)).toEqual({ port: 9001 })
  })

  it('is checked field by field with the shared rules', () => {
    const bad: [unknown, string][] = [
      [{ s3Endpoint: 'ftp://x' }, 's3Endpoint'],
      [{ s3Endpoint: 'http://user:pw@host' }, 's3Endpoint'],
      [{ region: 'us east' }, 'region'],
      [{ bucketPrefix: 'Upper-' }, 'bucketPrefix'],
      [{ concurrency: 0 }, 'concurrency'],
      [{ backend: 'gpu' }, 'backend'],
      [{ credentials: { profile: 'a b' } }, 'credentials.profile'],
      [{ credentials: { profile: 'a', accessKeyId: 'b' } }, 'credentials'],
      [
        { credentials: { accessKeyId: 'AKIA', secretAccessKeyEncrypted: '**' } },
        'credentials.secretAccessKeyEncrypted',
      ],
    ]
    for (const [document, field] of bad) {
      const checked = checkSettingsDocument(document)
      expect(checked.ok, JSON.stringify(document)).toBe(false)
      if (!checked.ok) expect(checked.error.field).toBe(field)
    }
    expect(checkSettingsDocument({ s3Endpoint: '', backend: '' })).toEqual({
      ok: true,
      document: { s3Endpoint: '' },
    })
  })
})
