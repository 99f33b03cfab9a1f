// The bounds on fetching a backbone by URL (size, time, where redirects may go, which weight paths
// a manifest may name) and that no error repeats the bytes of a fetched page or a local file.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import h5wasm from 'h5wasm/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure, type AppError } from '../../src-shared/errors'
import {
  downloadBackbone,
  type DownloadOptions,
} from '../../src-main/engine/backbone/backbone-download'
import { isContainedWeightPath } from '../../src-main/engine/backbone/backbone-files'
import { checkBackbone } from '../../src-main/engine/backbone/backbone-source'

/** Looks like a credential a page could hold; no error may repeat any of it. */
const SECRET = 'tok_9f8e7d6c5b4a3210'

const WEIGHT_BYTES = 16
function modelJson(paths: string[] = ['w.bin']): string {
  return JSON.stringify({
    modelTopology: { class_name: 'Functional', config: {} },
    format: 'layers-model',
    weightsManifest: [
      { paths, weights: [{ name: 'k', shape: [WEIGHT_BYTES / 4], dtype: 'float32' }] },
    ],
  })
}

type Route = (request: IncomingMessage, response: ServerResponse) => void

class FileServer {
  readonly routes = new Map<string, Route>()
  readonly requests: string[] = []
  private readonly server: Server = createServer((request, response) => {
    this.requests.push(request.url ?? '')
    const route = this.routes.get(request.url ?? '')
    if (route === undefined) response.writeHead(404).end()
    else route(request, response)
  })
  base = ''

  async start(): Promise<void> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done))
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  serve(path: string, body: string | Buffer, headers: Record<string, string | number> = {}) {
    this.routes.set(path, (_request, response) => {
      response.writeHead(200, { 'content-length': Buffer.byteLength(body), ...headers })
      response.end(body)
    })
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise((done) => this.server.close(done))
  }
}

let dir: string
let home: string
const files = new FileServer()
const elsewhere = new FileServer()
const timers: NodeJS.Timeout[] = []

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AppFailure) return error.error
    throw error
  }
  throw new Error('expected the download to be refused')
}

function download(path: string, options: Partial<DownloadOptions> = {}) {
  const format = path.endsWith('.h5') ? 'h5' : 'tfjs'
  return downloadBackbone(`${files.base}${path}`, format, { home, ...options })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'backbone-download-'))
  home = join(dir, 'home')
  await Promise.all([files.start(), elsewhere.start()])
  files.serve('/good/model.json', modelJson())
  files.serve('/good/w.bin', Buffer.alloc(WEIGHT_BYTES))
  files.serve('/small/model.h5', Buffer.alloc(64))
  // Declares 300 MiB, sends a little and then nothing.
  files.routes.set('/huge/model.h5', (_request, response) => {
    response.writeHead(200, { 'content-length': 300 * 1024 * 1024 })
    response.write(Buffer.alloc(1024))
  })
  // Says nothing about its length and sends more than the limit.
  files.routes.set('/chunked/model.h5', (_request, response) => {
    response.writeHead(200, { 'transfer-encoding': 'chunked' })
    for (let i = 0; i < 8; i++) response.write(Buffer.alloc(1024))
    response.end()
  })
  // Each file is small, together they are not.
  files.serve('/split/model.json', modelJson(['a.bin']).replace('[4]', '[1024]'))
  files.serve('/split/a.bin', Buffer.alloc(4096))
  // One byte every 100 ms: never idle, never done in time.
  files.routes.set('/trickle/model.h5', (_request, response) => {
    response.writeHead(200, { 'content-length': 100 })
    const timer = setInterval(() => response.write('x'), 100)
    timers.push(timer)
    response.on('close', () => clearInterval(timer))
  })
  files.routes.set('/hop/model.h5', (_request, response) => {
    response.writeHead(302, { location: '/small/model.h5' }).end()
  })
  files.routes.set('/away/model.h5', (_request, response) => {
    response.writeHead(302, { location: `${elsewhere.base}/model.h5` }).end()
  })
  elsewhere.serve('/model.h5', Buffer.alloc(64))
  files.routes.set('/loop/model.h5', (_request, response) => {
    response.writeHead(301, { location: '/loop/model.h5' }).end()
  })
  files.serve('/html/model.json', `${SECRET} <html><body>sign in</body></html>`, {
    'content-type': 'text/html; charset=utf-8',
  })
  files.routes.set('/error/model.json', (_request, response) => {
    const page = `<html>${SECRET}</html>`
    response.writeHead(500, { 'content-type': 'text/html', 'content-length': page.length })
    response.end(page)
  })
})

afterAll(async () => {
  for (const timer of timers) clearInterval(timer)
  await Promise.all([files.close(), elsewhere.close()])
  rmSync(dir, { recursive: true, force: true })
})

describe('a size cap on the whole backbone', () => {
  it('refuses a Content-Length over the limit without waiting for the body', async () => {
    const started = Date.now()
    const error = await failure(download('/huge/model.h5', { idleTimeoutMs: 5_000 }))
    expect(error).toMatchObject({
      code: 'BACKBONE_TOO_LARGE',
      details: { url: `${files.base}/huge/model.h5`, limit: 200 * 1024 * 1024 },
    })
    expect(error.message).toContain(String(200 * 1024 * 1024))
    expect(Date.now() - started).toBeLessThan(4_000)
  })

  it('counts the bytes that arrive when no length is declared', async () => {
    const error = await failure(download('/chunked/model.h5', { maxBytes: 4096 }))
    expect(error).toMatchObject({ code: 'BACKBONE_TOO_LARGE', details: { limit: 4096 } })
  })

  it('counts model.json and its weights together, refusing before the weights are fetched', async () => {
    const error = await failure(download('/split/model.json', { maxBytes: 4096 }))
    expect(error.code).toBe('BACKBONE_TOO_LARGE')
    expect(files.requests).not.toContain('/split/a.bin')
  })

  it('accepts a backbone within the limit', async () => {
    const { fresh } = await download('/good/model.json', { maxBytes: 1024 })
    expect(fresh).toBe(true)
  })
})

describe('a deadline on the whole download', () => {
  it('fails a trickle that is never idle once the deadline passes', async () => {
    const started = Date.now()
    const error = await failure(
      download('/trickle/model.h5', { timeoutMs: 600, idleTimeoutMs: 5_000 }),
    )
    expect(error).toMatchObject({ code: 'BACKBONE_DOWNLOAD_FAILED', details: { cause: 'timeout' } })
    expect(error.message).toContain('not finished within 0.6 s')
    // The trickle alone would take 10 s.
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})

describe('redirects', () => {
  it('follows a redirect within the origin', async () => {
    const { file } = await download('/hop/model.h5')
    expect(file.endsWith('model.h5')).toBe(true)
  })

  it('refuses a redirect to another origin without asking it', async () => {
    const error = await failure(download('/away/model.h5'))
    expect(error).toMatchObject({
      code: 'BACKBONE_REDIRECT_REFUSED',
      details: { url: `${files.base}/away/model.h5`, location: elsewhere.base },
    })
    expect(elsewhere.requests).toEqual([])
  })

  it('gives up on a redirect loop', async () => {
    const error = await failure(download('/loop/model.h5'))
    expect(error.code).toBe('BACKBONE_DOWNLOAD_FAILED')
    expect(error.message).toContain('redirects')
  })
})

describe('weight paths of a manifest', () => {
  const refused = [
    '.\t./x.bin',
    '\t/\t/host/x',
    'a\nb.bin',
    'a\rb.bin',
    'x\u0000.bin',
    'x\u007f.bin',
    'a\\b.bin',
    '//host/x.bin',
    '/abs/x.bin',
    'http://host/x.bin',
    '../x.bin',
    'a/../x.bin',
    './x.bin',
    '%2e%2e/x.bin',
    '%2E./x.bin',
    'x.bin?query',
    'x.bin#part',
    'a//b.bin',
    '',
  ]

  it('accepts plain relative names only', () => {
    for (const path of refused)
      expect(isContainedWeightPath(path), JSON.stringify(path)).toBe(false)
    for (const path of ['group1-shard1of2.bin', 'weights/part_1.bin', 'w.bin'])
      expect(isContainedWeightPath(path), path).toBe(true)
  })

  it('refuses each, named by its JSON path, without fetching it', async () => {
    for (const [index, path] of refused.entries()) {
      const route = `/paths-${index}/model.json`
      files.serve(route, modelJson(['w.bin', path]))
      const before = files.requests.length
      const error = await failure(download(route))
      expect(error, JSON.stringify(path)).toMatchObject({
        code: 'BACKBONE_INVALID',
        path: '$.weightsManifest[0].paths[1]',
      })
      expect(files.requests.slice(before)).toEqual([route])
    }
  })

  it('refuses the same paths in a local model.json', async () => {
    const folder = join(dir, 'local-paths')
    rmSync(folder, { recursive: true, force: true })
    mkdirSync(folder)
    writeFileSync(join(folder, 'w.bin'), Buffer.alloc(WEIGHT_BYTES))
    for (const path of ['.\t./w.bin', '\t/\t/host/x', '../local-paths/w.bin']) {
      writeFileSync(join(folder, 'model.json'), modelJson(['w.bin', path]))
      expect(await failure(checkBackbone(folder, { home })), JSON.stringify(path)).toMatchObject({
        code: 'BACKBONE_INVALID',
        path: '$.weightsManifest[0].paths[1]',
      })
    }
  })
})

describe('errors never repeat what a page or file holds', () => {
  it('says what a 200 page was instead of quoting it', async () => {
    const error = await failure(download('/html/model.json'))
    expect(error.code).toBe('BACKBONE_INVALID')
    expect(error.message).toContain('not valid JSON')
    expect(JSON.stringify(error)).not.toContain(SECRET.slice(0, 8))
  })

  it('gives status, media type and size of an error page', async () => {
    const error = await failure(download('/error/model.json'))
    expect(error).toMatchObject({ code: 'BACKBONE_DOWNLOAD_FAILED', details: { status: 500 } })
    expect(error.message).toMatch(/HTTP 500 \(text\/html, \d+ bytes\)/)
    expect(JSON.stringify(error)).not.toContain(SECRET.slice(0, 8))
  })

  it('does not quote a local model.json or a .h5 model_config', async () => {
    const folder = join(dir, 'local-secret')
    mkdirSync(folder, { recursive: true })
    writeFileSync(join(folder, 'model.json'), `${SECRET} not json`)
    const json = await failure(checkBackbone(folder, { home }))
    expect(json.code).toBe('BACKBONE_INVALID')
    expect(JSON.stringify(json)).not.toContain(SECRET.slice(0, 8))

    await h5wasm.ready
    const h5File = join(dir, 'secret.h5')
    const h5 = new h5wasm.File(h5File, 'w')
    h5.create_attribute('model_config', `${SECRET} not json`)
    h5.close()
    const config = await failure(checkBackbone(h5File, { home }))
    expect(config.code).toBe('BACKBONE_INVALID')
    expect(JSON.stringify(config)).not.toContain(SECRET.slice(0, 8))
  })
})
