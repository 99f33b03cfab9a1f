// GET/PUT /api/settings and POST /api/settings/test on a real core with the embedded store: the
// file's values, saving with field errors and restart notes, the routes' guards, and connection
// tests that reach real stores (or fail with a stable code) without saving anything.

import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DEFAULT_SETTINGS,
  type ConnectionTest,
  type EditableSettings,
  type SettingsView,
} from '../../src-shared/app-settings'
import type { ErrorBody } from '../../src-shared/http-api'
import { settingsFilePath } from '../../src-main/config/settings-file'
import {
  loadStoreCredentials,
  storeCredentialsFile,
} from '../../src-main/storage/store-credentials'
import { rawRequest, startTestServer, type TestServer } from '../http/server-fixture'
import { closedPort } from '../storage/store-fixture'

let server: TestServer

beforeAll(async () => {
  server = await startTestServer()
  await server.seedClient('client0', { classes: 2, imagesPerClass: 3, size: 16 })
})
afterAll(async () => {
  await server?.close()
})

const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  rawRequest(server.port, path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

const values = (patch: Partial<EditableSettings> = {}): EditableSettings => ({
  ...DEFAULT_SETTINGS,
  ...patch,
})

describe('/api/settings', () => {
  it('answers the defaults, the file it would write and what the environment sets', async () => {
    const res = await send('GET', '/api/settings')
    expect(res.status).toBe(200)
    const view = res.json<SettingsView>()
    expect(view).toEqual({
      values: DEFAULT_SETTINGS,
      file: settingsFilePath(server.home),
      home: server.home,
      // The test server sets its port through the environment.
      overriddenBy: { port: 'TRAINING_SERVER_PORT' },
      secretStored: false,
      canStoreSecrets: false,
      pendingRestart: [],
      // What runs now comes from the server: the bound port, not the saved one, and where the
      // running embedded store's key is, so S3 tools can use it; never the secret.
      running: {
        port: server.port,
        s3Endpoint: server.core.s3Endpoint,
        embedded: true,
        credentialsFile: storeCredentialsFile(server.home),
      },
    })
    const { secretAccessKey } = await loadStoreCredentials(storeCredentialsFile(server.home))
    expect(JSON.stringify(view)).not.toContain(secretAccessKey)
    expect(server.port).not.toBe(view.values.port)
  })

  it('leaves the port out of the file when the user did not change it', async () => {
    const res = await send('PUT', '/api/settings', values({ region: 'eu-north-1' }))
    expect(res.status).toBe(200)
    const saved = JSON.parse(await readFile(res.json<SettingsView>().file, 'utf8')) as object
    expect(saved).toMatchObject({ region: 'eu-north-1' })
    expect(saved).not.toHaveProperty('port')
    expect(res.json<SettingsView>().running?.port).toBe(server.port)
  })

  it('saves valid settings to the file and says which of them wait for a restart', async () => {
    const res = await send(
      'PUT',
      '/api/settings',
      values({ region: 'eu-west-1', bucketPrefix: 'acme-', concurrency: 2, port: 9100 }),
    )
    expect(res.status).toBe(200)
    const view = res.json<SettingsView>()
    // The port is set by the environment, so saving it changes nothing at the next start.
    expect(view.pendingRestart).toEqual(['region', 'bucketPrefix', 'concurrency'])
    expect(JSON.parse(await readFile(view.file, 'utf8'))).toEqual({
      s3Endpoint: '',
      region: 'eu-west-1',
      bucketPrefix: 'acme-',
      port: 9100,
      concurrency: 2,
    })
    const again = (await send('GET', '/api/settings')).json<SettingsView>()
    expect(again.values).toMatchObject({ region: 'eu-west-1', bucketPrefix: 'acme-', port: 9100 })
  })

  it('refuses invalid settings with the field, leaving the file as it was', async () => {
    const before = await readFile(settingsFilePath(server.home), 'utf8')
    const res = await send('PUT', '/api/settings', { ...values(), port: 'eighty' })
    expect(res.status).toBe(400)
    expect(res.json<ErrorBody>().error).toMatchObject({ code: 'INVALID_SETTING', field: 'port' })
    const endpoint = await send('PUT', '/api/settings', values({ s3Endpoint: 'minio:9000' }))
    expect(endpoint.json<ErrorBody>().error).toMatchObject({ field: 's3Endpoint' })
    expect(await readFile(settingsFilePath(server.home), 'utf8')).toBe(before)
  })

  it('does not store access keys without the desktop app, but names what works instead', async () => {
    const res = await send(
      'PUT',
      '/api/settings',
      values({
        s3Endpoint: 'http://127.0.0.1:9000',
        credentials: { kind: 'keys', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
      }),
    )
    expect(res.status).toBe(400)
    const error = res.json<ErrorBody>().error
    expect(error).toMatchObject({ code: 'INVALID_SETTING', field: 'credentials.secretAccessKey' })
    expect(error.message).toMatch(/desktop app.*profile/)
    expect(await readFile(settingsFilePath(server.home), 'utf8')).not.toContain('AKIAEXAMPLE')
  })

  it('is guarded like every route that changes state, and names the methods it allows', async () => {
    const foreign = await send('PUT', '/api/settings', values(), { origin: 'https://evil.test' })
    expect(foreign.status).toBe(403)
    const wrong = await send('DELETE', '/api/settings')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.allow).toBe('GET, PUT')
    const getTest = await send('GET', '/api/settings/test')
    expect(getTest.status).toBe(405)
    expect((await send('GET', '/api/settings/other')).status).toBe(404)
  })
})

describe('/api/settings/test', () => {
  it('lists the client buckets of the embedded store without saving anything', async () => {
    const before = await readFile(settingsFilePath(server.home), 'utf8')
    const res = await send('POST', '/api/settings/test', values())
    expect(res.status).toBe(200)
    const test = res.json<ConnectionTest>()
    expect(test).toMatchObject({
      endpoint: server.core.s3Endpoint,
      embedded: true,
      clients: [{ client: 'client0', bucket: 'training-server-client0' }],
    })
    // Another prefix sees other buckets: the form's values are what is tested.
    const other = await send('POST', '/api/settings/test', values({ bucketPrefix: 'acme-' }))
    expect(other.json<ConnectionTest>().clients).toEqual([])
    expect(await readFile(settingsFilePath(server.home), 'utf8')).toBe(before)
  })

  it('signs with the access key given, and reports an unknown one as ACCESS_DENIED', async () => {
    const own = await loadStoreCredentials(storeCredentialsFile(server.home))
    const keys = (accessKeyId: string) =>
      values({
        s3Endpoint: server.core.s3Endpoint,
        credentials: {
          kind: 'keys',
          accessKeyId,
          secretAccessKey: own.secretAccessKey,
        },
      })
    const good = await send('POST', '/api/settings/test', keys(own.accessKeyId))
    expect(good.status).toBe(200)
    expect(good.json<ConnectionTest>()).toMatchObject({
      embedded: false,
      clients: [{ client: 'client0' }],
    })
    // The embedded store knows one access key: its own.
    const bad = await send('POST', '/api/settings/test', keys('AKIAUNKNOWN'))
    expect(bad.status).toBe(502)
    expect(bad.json<ErrorBody>().error.code).toBe('ACCESS_DENIED')
  })

  it('reports a store that is not there as S3_UNREACHABLE, quickly', async () => {
    const started = Date.now()
    const res = await send(
      'POST',
      '/api/settings/test',
      values({
        s3Endpoint: `http://127.0.0.1:${await closedPort()}`,
        credentials: { kind: 'keys', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
      }),
    )
    expect(res.status).toBe(502)
    expect(res.json<ErrorBody>().error.code).toBe('S3_UNREACHABLE')
    expect(Date.now() - started).toBeLessThan(8000)
  })
})
