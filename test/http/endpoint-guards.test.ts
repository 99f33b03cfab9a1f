// Who may call the endpoint, rule by rule: the Host check on every route, the cross-site check on
// every route that starts or stops work (the address bar still works), and the access token for
// scripts, with the browser UI's session cookie obtained once from `/?token=`.

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppError } from '../../src-shared/errors'
import { createHmac } from 'node:crypto'
import { sessionCookieName } from '../../src-main/http/ui-session'
import { failedStream, rawRequest, startTestServer, type TestServer } from './server-fixture'

const base = process.env.TRAINING_SERVER_HOME ?? ''
const codeOf = (res: { json<T>(): T }) => res.json<{ error: AppError }>().error.code

/** Every route that starts or stops work, as a GET from the address bar or a write to /api. */
const WORK_ROUTES: { label: string; method: string; path: string; body?: string }[] = [
  { label: '/progress', method: 'GET', path: '/progress?train_type=classification&bucket_name=c0' },
  { label: '/interrupt', method: 'GET', path: '/interrupt?bucket_name=c0' },
  { label: '/retry-upload', method: 'GET', path: '/retry-upload?bucket_name=c0' },
  {
    label: 'POST /api/jobs',
    method: 'POST',
    path: '/api/jobs',
    body: JSON.stringify({ client: 'c0', trainType: 'classification' }),
  },
  { label: 'POST /api/jobs/:id/stop', method: 'POST', path: '/api/jobs/c0-1/stop' },
  { label: 'POST /api/jobs/:id/retry-upload', method: 'POST', path: '/api/jobs/c0-1/retry-upload' },
  { label: 'POST /api/clients/:client/sync', method: 'POST', path: '/api/clients/c0/sync' },
]

function send(port: number, route: (typeof WORK_ROUTES)[number], headers: Record<string, string>) {
  return rawRequest(port, route.path, {
    method: route.method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(route.body !== undefined && { body: route.body }),
  })
}

describe('without a token', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server?.close())

  it('listens on 127.0.0.1 only: other addresses of this machine do not answer', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
    const others = [
      '::1',
      ...Object.values(networkInterfaces())
        .flat()
        .filter((address) => address !== undefined && !address.internal)
        .map((address) => address?.address ?? ''),
    ]
    for (const host of others) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = connect({ host, port: server.port })
        socket.once('connect', () => {
          socket.destroy()
          resolve('connected')
        })
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
      })
      expect(outcome, host).not.toBe('connected')
    }
  })

  it('refuses every route when the Host is not this server (DNS rebinding)', async () => {
    const port = server.port
    for (const path of ['/', '/api/jobs', '/progress?train_type=classification&bucket_name=c0']) {
      for (const host of [`rebind.example:${port}`, `127.0.0.2:${port}`, `[::1]:${port}`]) {
        const res = await rawRequest(port, path, { headers: { host } })
        expect(res.status, `${path} ${host}`).toBe(403)
        expect(codeOf(res)).toBe('FORBIDDEN_HOST')
      }
    }
  })

  it('refuses a request without a Host header', async () => {
    const socket = connect(server.port, '127.0.0.1')
    socket.end('GET /api/jobs HTTP/1.0\r\n\r\n')
    let answer = ''
    for await (const chunk of socket) answer += String(chunk)
    expect(answer).toMatch(/^HTTP\/1\.1 403 /)
    expect(answer).toContain('FORBIDDEN_HOST')
  })

  it('refuses work from another site on every route that starts or stops work', async () => {
    const foreign: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: `http://127.0.0.1:${server.port + 1}` },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ]
    for (const route of WORK_ROUTES)
      for (const headers of foreign) {
        const res = await send(server.port, route, headers)
        expect(res.status, `${route.label} ${JSON.stringify(headers)}`).toBe(403)
        expect(codeOf(res)).toBe('FORBIDDEN_ORIGIN')
      }
    expect(server.core.jobs.list()).toEqual([])
  })

  it('lets the address bar, the own pages and scripts through', async () => {
    const own: Record<string, string>[] = [
      { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' },
      { origin: `http://127.0.0.1:${server.port}`, 'sec-fetch-site': 'same-origin' },
      { origin: `http://localhost:${server.port}`, host: `localhost:${server.port}` },
      {},
    ]
    for (const route of WORK_ROUTES)
      for (const headers of own) {
        const res = await send(server.port, route, headers)
        expect([403, 401], `${route.label} ${JSON.stringify(headers)}`).not.toContain(res.status)
      }
  })
})

describe('GETs that start or stop work from a browser that names no site', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
  })
  afterAll(() => server?.close())

  const OLD_SAFARI =
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.6 Safari/605.1.15'
  const CHROME =
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'
  const seedGets = WORK_ROUTES.filter((route) => route.method === 'GET')

  it('refuses an <img>, <script> or <link> load from a page of any site', async () => {
    const loads: Record<string, string>[] = [
      // Safari 15: an <img src=…> on any page, with no Sec-Fetch or Origin header at all.
      {
        'user-agent': OLD_SAFARI,
        accept: 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5',
      },
      { 'user-agent': OLD_SAFARI, accept: '*/*' },
      { 'user-agent': OLD_SAFARI, accept: 'text/css,*/*;q=0.1' },
      { accept: 'image/webp,image/*,*/*' },
      { 'sec-fetch-dest': 'image' },
      { 'sec-fetch-dest': 'script', 'user-agent': 'curl/8.5.0' },
    ]
    for (const route of seedGets)
      for (const headers of loads) {
        const res = await send(server.port, route, headers)
        expect(res.status, `${route.label} ${JSON.stringify(headers)}`).toBe(403)
        const error = res.json<{ error: AppError }>().error
        expect(error.code).toBe('FORBIDDEN_ORIGIN')
        expect(error.message).toMatch(/address bar.*curl.*Bearer/)
      }
    expect(server.core.jobs.list()).toEqual([])
  })

  it("lets scripts and a current browser's address bar and own pages through", async () => {
    const callers: Record<string, string>[] = [
      { 'user-agent': 'curl/8.5.0', accept: '*/*' },
      { 'user-agent': 'python-requests/2.31.0', accept: '*/*' },
      { 'user-agent': 'node', accept: '*/*', 'sec-fetch-mode': 'cors' },
      {
        'user-agent': CHROME,
        accept: 'text/html,application/xhtml+xml,image/avif,image/webp,*/*;q=0.8',
        'sec-fetch-site': 'none',
        'sec-fetch-mode': 'navigate',
        'sec-fetch-dest': 'document',
      },
      { 'user-agent': CHROME, 'sec-fetch-site': 'same-origin', 'sec-fetch-dest': 'empty' },
    ]
    // 404 (no job, no model) means the request got past the guards; no job is started.
    for (const route of seedGets.filter((r) => r.label !== '/progress'))
      for (const headers of callers) {
        const res = await send(server.port, route, headers)
        expect(res.status, `${route.label} ${JSON.stringify(headers)}`).toBe(404)
      }
    const progress = await send(server.port, seedGets[0] as (typeof WORK_ROUTES)[number], {
      'user-agent': 'curl/8.5.0',
      accept: '*/*',
    })
    // Past the guards a job exists: its failure is the stream's last line.
    expect(failedStream(progress).result.error?.code).toBe('BUCKET_NOT_FOUND')
  })
})

describe('with an access token', () => {
  const TOKEN = 'a-long-random-token-1234'
  let server: TestServer
  let uiDir: string
  beforeAll(async () => {
    uiDir = await mkdtemp(join(base, 'ui-'))
    await writeFile(join(uiDir, 'index.html'), '<!doctype html><title>Training Server UI</title>')
    server = await startTestServer({ uiDir, env: { TRAINING_SERVER_TOKEN: TOKEN } })
  })
  afterAll(async () => {
    await server?.close()
    await rm(uiDir, { recursive: true, force: true })
  })

  const page = { accept: 'text/html', 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' }

  it('asks scripts for the Bearer token on every route', async () => {
    for (const route of WORK_ROUTES) {
      const none = await send(server.port, route, {})
      expect(none.status, route.label).toBe(401)
      expect(codeOf(none)).toBe('UNAUTHORIZED')
      const wrong = await send(server.port, route, { authorization: `Bearer ${TOKEN}x` })
      expect(wrong.status, route.label).toBe(401)
      const right = await send(server.port, route, { authorization: `Bearer ${TOKEN}` })
      expect([401, 403], route.label).not.toContain(right.status)
    }
    expect((await rawRequest(server.port, '/api/jobs')).status).toBe(401)
    expect((await rawRequest(server.port, '/')).status).toBe(401)
  })

  it('shows a browser without a session how to open the UI, not the UI', async () => {
    const res = await rawRequest(server.port, '/', { headers: page })
    expect(res.status).toBe(401)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expect(res.text).toContain(`http://127.0.0.1:${server.port}/?token=`)
    expect(res.text).not.toContain('Training Server UI')
    expect(res.text).not.toContain(TOKEN)
  })

  /** Opens a session from the address bar; returns the cookie to send back. */
  async function openSession(): Promise<string> {
    const res = await rawRequest(server.port, `/?token=${TOKEN}`, { headers: page })
    expect(res.status).toBe(303)
    return (res.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? ''
  }

  it('gives the address bar a session cookie for the right token, then leaves the token out', async () => {
    const res = await rawRequest(server.port, `/?token=${TOKEN}`, { headers: page })
    expect(res.status).toBe(303)
    expect(res.headers.location).toBe('/')
    const cookie = res.headers['set-cookie']?.[0] ?? ''
    expect(cookie).toMatch(new RegExp(`^${sessionCookieName(server.port)}=`))
    expect(cookie).toMatch(/; HttpOnly/)
    expect(cookie).toMatch(/; SameSite=Strict/)
    expect(cookie).toMatch(/; Path=\//)
    expect(cookie).toMatch(/; Max-Age=43200(;|$)/)
    expect(cookie).not.toContain(TOKEN)
    // A new random value each time: a captured cookie is one session, not the token's stand-in.
    expect(await openSession()).not.toBe(cookie.split(';')[0])
  })

  it('refuses a wrong token, and a token arriving from another site', async () => {
    const wrong = await rawRequest(server.port, `/?token=${TOKEN}x`, { headers: page })
    expect(wrong.status).toBe(401)
    expect(wrong.headers['set-cookie']).toBeUndefined()
    const linked = await rawRequest(server.port, `/?token=${TOKEN}`, {
      headers: { ...page, 'sec-fetch-site': 'cross-site' },
    })
    expect(linked.status).toBe(403)
    expect(linked.headers['set-cookie']).toBeUndefined()
  })

  it('lets the session cookie in where the token is needed, but not past the site check', async () => {
    const cookie = await openSession()
    const ui = await rawRequest(server.port, '/', { headers: { ...page, cookie } })
    expect(ui.status).toBe(200)
    expect(ui.text).toContain('Training Server UI')
    expect((await rawRequest(server.port, '/api/jobs', { headers: { cookie } })).status).toBe(200)
    const sameOrigin = { cookie, origin: `http://127.0.0.1:${server.port}` }
    for (const route of WORK_ROUTES) {
      const res = await send(server.port, route, { ...sameOrigin, 'sec-fetch-site': 'same-origin' })
      expect([401, 403], route.label).not.toContain(res.status)
      const crossSite = await send(server.port, route, { cookie, 'sec-fetch-site': 'cross-site' })
      expect(crossSite.status, route.label).toBe(403)
    }
    // Another value, this value under another port's name, the token itself, or the fixed hash
    // of the token that older versions handed out: none is a session.
    const value = cookie.split('=')[1] ?? ''
    const oldFormat = createHmac('sha256', TOKEN)
      .update('training-server browser session v1')
      .digest('base64url')
    for (const other of [
      `${sessionCookieName(server.port)}=${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`,
      `${sessionCookieName(server.port + 1)}=${value}`,
      `${sessionCookieName(server.port)}=${TOKEN}`,
      `${sessionCookieName(server.port)}=${oldFormat}`,
    ]) {
      const res = await rawRequest(server.port, '/api/jobs', { headers: { cookie: other } })
      expect(res.status, other).toBe(401)
    }
  })

  it('ends the sessions opened with a token once the server runs with another', async () => {
    const cookie = await openSession()
    expect((await rawRequest(server.port, '/api/jobs', { headers: { cookie } })).status).toBe(200)
    const settings = server.core.settings
    settings.accessToken = `${TOKEN}-rotated`
    try {
      expect((await rawRequest(server.port, '/api/jobs', { headers: { cookie } })).status).toBe(401)
    } finally {
      settings.accessToken = TOKEN
    }
    // Revoked, not suspended: the old token back does not revive the session.
    expect((await rawRequest(server.port, '/api/jobs', { headers: { cookie } })).status).toBe(401)
  })
})
