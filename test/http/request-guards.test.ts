import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure, type AppError } from '../../src-shared/errors'
import { startHttpServer } from '../../src-main/http/server'
import { rawRequest, startTestServer, type TestServer } from './server-fixture'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer()
})
afterAll(() => server?.close())

const codeOf = (res: { json<T>(): T }) => res.json<{ error: AppError }>().error.code

describe('request guards', () => {
  it('answers only requests addressed to 127.0.0.1 or localhost on its own port (DNS rebinding)', async () => {
    const port = server.port
    expect((await rawRequest(port, '/', { headers: { host: `127.0.0.1:${port}` } })).status).toBe(
      200,
    )
    expect((await rawRequest(port, '/', { headers: { host: `localhost:${port}` } })).status).toBe(
      200,
    )
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `127.0.0.1:${port + 1}`,
      `localhost.evil.example:${port}`,
    ]) {
      const res = await rawRequest(port, '/', { headers: { host } })
      expect(res.status, host).toBe(403)
      expect(codeOf(res)).toBe('FORBIDDEN_HOST')
    }
  })

  it('refuses cross-site requests that would start or stop work', async () => {
    const port = server.port
    const interrupt = '/interrupt?bucket_name=client0'
    const foreign = await rawRequest(port, interrupt, {
      headers: { origin: 'http://evil.example' },
    })
    expect(foreign.status).toBe(403)
    expect(codeOf(foreign)).toBe('FORBIDDEN_ORIGIN')
    const crossSite = await rawRequest(
      port,
      '/progress?train_type=classification&bucket_name=client0',
      {
        headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
      },
    )
    expect(crossSite.status).toBe(403)
    const sameSite = await rawRequest(port, interrupt, {
      headers: { 'sec-fetch-site': 'same-site' },
    })
    expect(sameSite.status).toBe(403)
    const post = await rawRequest(port, '/api/jobs', {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ client: 'client0', trainType: 'classification' }),
    })
    expect(post.status).toBe(403)
    expect(server.core.jobs.list()).toEqual([])
  })

  it('lets the address bar, the own origin and scripts through', async () => {
    const port = server.port
    const interrupt = '/interrupt?bucket_name=client0'
    // 404 NO_ACTIVE_JOB means the request got past the guards.
    const typed = await rawRequest(port, interrupt, {
      headers: { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' },
    })
    expect(typed.status).toBe(404)
    const own = await rawRequest(port, interrupt, {
      headers: { origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' },
    })
    expect(own.status).toBe(404)
    expect((await rawRequest(port, interrupt)).status).toBe(404)
  })

  it('lets pages read nothing cross-origin: API reads refused, no CORS headers', async () => {
    const res = await rawRequest(server.port, '/api/jobs', {
      headers: { origin: 'http://evil.example' },
    })
    expect(res.status).toBe(403)
    expect(codeOf(res)).toBe('FORBIDDEN_ORIGIN')
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
  })

  it('asks for the token when one is configured', async () => {
    const guarded = await startTestServer({ env: { TRAINING_SERVER_TOKEN: 's3cret-token' } })
    try {
      const port = guarded.port
      const none = await rawRequest(port, '/api/jobs')
      expect(none.status).toBe(401)
      expect(codeOf(none)).toBe('UNAUTHORIZED')
      expect(
        (await rawRequest(port, '/', { headers: { authorization: 'Bearer wrong' } })).status,
      ).toBe(401)
      expect((await rawRequest(port, '/interrupt?bucket_name=client0')).status).toBe(401)
      const ok = await rawRequest(port, '/api/jobs', {
        headers: { authorization: 'Bearer s3cret-token' },
      })
      expect(ok.status).toBe(200)
    } finally {
      await guarded.close()
    }
  })

  it('reports a taken port as PORT_IN_USE naming the port and TRAINING_SERVER_PORT', async () => {
    let failure: unknown
    try {
      const second = await startHttpServer(server.core, { port: server.port })
      await second.close()
    } catch (err) {
      failure = err
    }
    expect(failure).toBeInstanceOf(AppFailure)
    const error = (failure as AppFailure).error
    expect(error.code).toBe('PORT_IN_USE')
    expect(error.message).toContain(String(server.port))
    expect(error.message).toContain('TRAINING_SERVER_PORT')
  })
})
