import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localPaths } from '../../src-main/config/settings'
import type { DatasetView } from '../../src-shared/dataset-view'
import { statusOfCode } from '../../src-shared/error-codes'
import type { AppError } from '../../src-shared/errors'
import type { ClientSummary, HealthResponse, JobPage } from '../../src-shared/http-api'
import type { JobRecord, JobSummary } from '../../src-shared/job-events'
import { thumbnailPath } from '../../src-shared/thumbnail-path'
import { rawRequest, startTestServer, until, type TestServer } from './server-fixture'

let server: TestServer
let uiDir: string
beforeAll(async () => {
  uiDir = await mkdtemp(join(tmpdir(), 'ts-ui-'))
  await mkdir(join(uiDir, 'assets'))
  await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>Training Server</title>')
  await writeFile(join(uiDir, 'assets', 'app-1234.js'), 'console.log(1)')
  await writeFile(join(tmpdir(), 'ts-ui-secret.txt'), 'TOP-SECRET-CONTENT')
  server = await startTestServer({ uiDir })
  await server.seedClient('client0')
})
afterAll(async () => {
  await server?.close()
  await rm(uiDir, { recursive: true, force: true })
  await rm(join(tmpdir(), 'ts-ui-secret.txt'), { force: true })
})

const get = (path: string, headers?: Record<string, string>) =>
  rawRequest(server.port, path, { headers })
const post = (path: string, body?: unknown) =>
  rawRequest(server.port, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

describe('GET /', () => {
  it('answers health JSON to scripts', async () => {
    const res = await get('/')
    expect(res.status).toBe(200)
    const health = res.json<HealthResponse>()
    expect(health).toMatchObject({
      name: 'training-server',
      version: '0.1.0',
      backend: 'pending',
      bucketPrefix: 'training-server-',
      home: server.home,
    })
    expect(health.s3.embedded).toBe(true)
    expect(health.s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('serves the built UI to browsers, and its assets, but nothing outside its folder', async () => {
    const page = await get('/', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' })
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.text).toContain('<title>Training Server</title>')
    const asset = await get('/assets/app-1234.js')
    expect(asset.status).toBe(200)
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(asset.headers['cache-control']).toContain('immutable')
    for (const path of [
      '/../ts-ui-secret.txt',
      '/%2e%2e/ts-ui-secret.txt',
      '/assets/..%2f..%2fts-ui-secret.txt',
      '/%2e%2e%5cts-ui-secret.txt',
      '/assets/%00',
    ]) {
      const res = await get(path)
      expect(res.status, path).toBe(404)
      expect(res.text).not.toContain('TOP-SECRET-CONTENT')
    }
  })
})

describe('/api routes', () => {
  it('lists clients with their buckets', async () => {
    const clients = (await get('/api/clients')).json<ClientSummary[]>()
    expect(clients).toEqual([
      {
        client: 'client0',
        datasetBucket: 'training-server-client0',
        modelBucket: 'training-server-model-client0',
        trainType: 'classification',
      },
    ])
  })

  it('shows an unsynced dataset, syncs it on request, and serves thumbnails', async () => {
    const before = (await get('/api/clients/client0/dataset')).json<DatasetView>()
    expect(before).toMatchObject({ client: 'client0', synced: false, images: [] })
    const synced = await post('/api/clients/client0/sync')
    expect(synced.status).toBe(200)
    const view = synced.json<DatasetView>()
    expect(view.synced).toBe(true)
    expect(view.images).toHaveLength(24)
    expect(view.report?.ok).toBe(true)
    expect(view.classes.map((c) => c.count)).toEqual([12, 12])
    const file = view.images[0]?.file ?? ''
    const thumb = await get(thumbnailPath('client0', file, 64))
    expect(thumb.status).toBe(200)
    expect(thumb.headers['content-type']).toBe('image/webp')
    const escape = await get(thumbnailPath('client0', '../coco/annotations.json'))
    expect(escape.status).toBe(400)
    expect(escape.json<{ error: AppError }>().error.code).toBe('UNSAFE_FILE_NAME')
    const missing = await get(thumbnailPath('client0', 'nope.jpg'))
    expect(missing.status).toBe(404)
    const badSize = await get(thumbnailPath('client0', file, 5000))
    expect(badSize.status).toBe(400)
    // Only the fixed sizes: every other one is refused and caches nothing.
    const cache = join(server.home, 'cache', 'thumbnails', 'client0')
    const cached = await readdir(cache)
    for (const size of [63, 65, 100, 200, 512]) {
      const odd = await get(thumbnailPath('client0', file, size))
      expect(odd.status, String(size)).toBe(400)
      expect(odd.json<{ error: AppError }>().error.code).toBe('INVALID_THUMBNAIL_SIZE')
    }
    expect(await readdir(cache)).toEqual(cached)
    // The UI's own <img> (same-origin) gets it; another site's page does not, nor learns it exists.
    const own = await get(thumbnailPath('client0', file, 160), {
      'sec-fetch-site': 'same-origin',
      'sec-fetch-dest': 'image',
    })
    expect(own.status).toBe(200)
    const foreignLoads: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site', 'sec-fetch-dest': 'image' },
      { 'sec-fetch-site': 'same-site', 'sec-fetch-dest': 'image' },
      { origin: 'http://evil.example' },
    ]
    for (const headers of foreignLoads) {
      for (const path of [
        thumbnailPath('client0', file, 160),
        thumbnailPath('client0', 'nope.jpg'),
      ]) {
        const foreign = await get(path, headers)
        expect(foreign.status, `${path} ${JSON.stringify(headers)}`).toBe(403)
        expect(foreign.json<{ error: AppError }>().error.code).toBe('FORBIDDEN_ORIGIN')
      }
    }
  })

  it('answers a sync whose mirror cannot be written with the status of MIRROR_WRITE_FAILED', async () => {
    await server.seedClient('client7')
    // A file where the client's mirror folder must be: the sync cannot write it.
    const folder = localPaths(server.home, 'client7').dataset
    await mkdir(dirname(folder), { recursive: true })
    await writeFile(folder, 'not a folder')
    try {
      const res = await post('/api/clients/client7/sync')
      const { error } = res.json<{ error: AppError }>()
      expect(error.code).toBe('MIRROR_WRITE_FAILED')
      expect(res.status).toBe(statusOfCode('MIRROR_WRITE_FAILED'))
      expect(res.status).not.toBe(500)
      expect(error.message).not.toContain(server.home)
    } finally {
      await rm(folder, { force: true })
    }
  })

  it('answers no /api read to another site', async () => {
    for (const path of [
      '/api/clients',
      '/api/jobs',
      '/api/clients/client0/dataset',
      '/api/clients/client0/models',
      '/api/settings',
    ]) {
      const foreign = await get(path, { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' })
      expect(foreign.status, path).toBe(403)
      expect(foreign.json<{ error: AppError }>().error.code).toBe('FORBIDDEN_ORIGIN')
      const own = await get(path, { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' })
      expect(own.status, path).toBe(200)
    }
  })

  it('starts a job by POST, lists it, replays its events as SSE, and stops it', async () => {
    const bad = await post('/api/jobs', {
      client: 'client0',
      trainType: 'classification',
      params: { epochs: 0 },
    })
    expect(bad.status).toBe(400)
    expect(bad.json<{ error: AppError }>().error.code).toBe('INVALID_PARAMETER')
    const form = await rawRequest(server.port, '/api/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'client=client0',
    })
    expect(form.status).toBe(415)

    const started = await post('/api/jobs', {
      client: 'client0',
      trainType: 'classification',
      params: { epochs: 300 },
    })
    expect(started.status).toBe(202)
    const job = started.json<JobSummary>()
    expect(job).toMatchObject({
      client: 'client0',
      trainType: 'classification',
      params: { epochs: 300 },
    })
    expect((await get('/api/jobs?client=client0')).json<JobPage>().jobs[0]?.id).toBe(job.id)
    expect((await get('/api/jobs?client=client1')).json()).toEqual({ jobs: [] })
    const firstPage = (await get('/api/jobs?limit=1')).json<JobPage>()
    expect(firstPage.jobs).toHaveLength(1)
    expect((await get('/api/jobs?limit=0')).status).toBe(400)
    expect((await get('/api/jobs?limit=ten')).status).toBe(400)
    expect((await get('/api/jobs?before=nonexistent-job')).status).toBe(400)

    const stopped = await post(`/api/jobs/${job.id}/stop`)
    expect(stopped.status).toBe(200)
    expect(stopped.json<JobSummary>().state).toBe('interrupted')
    const again = await post(`/api/jobs/${job.id}/stop`)
    expect(again.status).toBe(404)
    expect(again.json<{ error: AppError }>().error.code).toBe('NO_ACTIVE_JOB')

    const record = (await get(`/api/jobs/${job.id}`)).json<JobRecord>()
    expect(record.events.at(-1)?.type).toBe('result')
    const events = await get(`/api/jobs/${job.id}/events`, { accept: 'text/event-stream' })
    expect(events.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    const ids = [...events.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
    expect(ids).toEqual(record.events.map((e) => e.seq))
    // A reconnect after the end gets 204, which tells EventSource to stop.
    const resumed = await get(`/api/jobs/${job.id}/events`, { 'last-event-id': String(ids.at(-1)) })
    expect(resumed.status).toBe(204)
    const partial = await get(`/api/jobs/${job.id}/events`, { 'last-event-id': '0' })
    expect(partial.text).not.toMatch(/^id: 0$/m)
    expect(partial.text).toMatch(/^id: 1$/m)

    const clients = (await get('/api/clients')).json<ClientSummary[]>()
    expect(clients[0]?.lastJob).toMatchObject({ id: job.id, state: 'interrupted' })
  })

  it('lists an empty model bucket as no files, and answers unknown routes and methods', async () => {
    expect((await get('/api/clients/client0/models')).json()).toEqual([])
    expect((await get('/api/clients/Client0/models')).status).toBe(400)
    expect((await get('/api/whatever')).status).toBe(404)
    const wrong = await rawRequest(server.port, '/api/clients', { method: 'DELETE' })
    expect(wrong.status).toBe(405)
    await until(() => server.core.jobs.activeJob('client0') === undefined)
  })
})
