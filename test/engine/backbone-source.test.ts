import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import h5wasm from 'h5wasm/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { type Backbone, loadBackbone } from '../../src-main/engine/backbone/backbone-source'
import { backboneCacheDir } from '../../src-main/engine/backbone/backbone-download'
import { saveTfjsModel } from '../../src-main/engine/export/tfjs'
import { buildMobileBackbone, pretrainMobileBackbone, saveMobileBackbone } from './mobile-backbone'

// The cpu backend: the wasm backend has no depthwise-conv gradients for the pretraining step.
let dir: string
let home: string
let backbone: tf.LayersModel
let images: tf.Tensor4D
let expected: tf.Tensor
let modelJson: string
let h5File: string

type Route = (response: ServerResponse) => void
const routes = new Map<string, Route>()
const requests: string[] = []
let server: Server
let base: string

function serve(path: string, body: Buffer | string, status = 200): void {
  routes.set(path, (response) => {
    response.writeHead(status, { 'content-length': Buffer.byteLength(body) })
    response.end(body)
  })
}

function tfjsFiles(folder: string) {
  return {
    json: readFileSync(join(folder, 'model.json'), 'utf8'),
    weights: readFileSync(join(folder, 'weights.bin')),
  }
}

/** A copy of the saved TF.js model in its own folder, changed by `edit`. */
function tfjsVariant(
  name: string,
  edit: (files: { json: string; weights: Buffer }) => { json: string; weights: Buffer },
): string {
  const folder = join(dir, name)
  mkdirSync(folder, { recursive: true })
  const files = edit(tfjsFiles(join(dir, 'tfjs')))
  writeFileSync(join(folder, 'model.json'), files.json)
  writeFileSync(join(folder, 'weights.bin'), files.weights)
  return folder
}

async function failure(promise: Promise<unknown>) {
  try {
    const loaded = (await promise) as Backbone
    loaded.model.dispose()
  } catch (error) {
    if (error instanceof AppFailure) return error.error
    throw error
  }
  throw new Error('expected the backbone to be refused')
}

function maxDifference(model: tf.LayersModel): number {
  return tf.tidy(
    () => tf.max(tf.abs(tf.sub(model.predict(images) as tf.Tensor, expected))).dataSync()[0] ?? NaN,
  )
}

beforeAll(async () => {
  await tf.setBackend('cpu')
  dir = mkdtempSync(join(tmpdir(), 'engine-backbone-'))
  home = join(dir, 'home')
  backbone = buildMobileBackbone({ seed: 3 })
  await pretrainMobileBackbone(backbone, 2)
  images = tf.randomUniform([3, 32, 32, 3], 0, 255, 'float32', 11) as tf.Tensor4D
  expected = backbone.predict(images) as tf.Tensor
  mkdirSync(join(dir, 'tfjs'))
  mkdirSync(join(dir, 'h5'))
  modelJson = await saveMobileBackbone(backbone, join(dir, 'tfjs'), 'tfjs')
  h5File = await saveMobileBackbone(backbone, join(dir, 'h5'), 'h5')

  const { json, weights } = tfjsFiles(join(dir, 'tfjs'))
  serve('/good/model.json', json)
  serve('/good/weights.bin', weights)
  serve('/again/model.json', json)
  serve('/again/weights.bin', weights)
  serve('/keras/backbone.h5', readFileSync(h5File))
  serve('/bad-json/model.json', '{"modelTopology": ')
  serve('/short/model.json', json)
  serve('/short/weights.bin', weights.subarray(0, weights.length - 4))
  const escaping = JSON.parse(json) as tf.io.ModelJSON
  escaping.weightsManifest = [{ ...escaping.weightsManifest[0]!, paths: ['../good/weights.bin'] }]
  serve('/escape/model.json', JSON.stringify(escaping))
  serve('/gone/model.json', 'not here', 404)
  routes.set('/truncated/model.h5', (response) => {
    const body = readFileSync(h5File)
    response.writeHead(200, { 'content-length': body.length })
    response.write(body.subarray(0, body.length >> 1), () => response.destroy())
  })
  routes.set('/stalled/model.h5', (response) => {
    response.writeHead(200, { 'content-length': 1_000_000 })
    response.write(Buffer.alloc(64 * 1024))
  })
  server = createServer((request, response) => {
    requests.push(request.url ?? '')
    const route = routes.get(request.url ?? '')
    if (route === undefined) {
      response.writeHead(404).end()
      return
    }
    route(response)
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((done) => server?.close(done))
  tf.dispose([images, expected])
  backbone?.dispose()
  rmSync(dir, { recursive: true, force: true })
})

describe('loadBackbone from a path', () => {
  it('loads model.json, its folder (also relative) and a .h5 that predict like the saved model', async () => {
    const specs = [modelJson, join(dir, 'tfjs'), relative(process.cwd(), join(dir, 'tfjs')), h5File]
    const ids: string[] = []
    for (const spec of specs) {
      const loaded = await loadBackbone(spec, { home })
      try {
        expect(maxDifference(loaded.model)).toBeLessThan(1e-5)
        expect(loaded.inputShape).toEqual([32, 32, 3])
        expect(loaded.inputScaling).toBe('raw')
        expect(loaded.file).toBe(spec === h5File ? h5File : modelJson)
        ids.push(loaded.id)
      } finally {
        loaded.model.dispose()
      }
    }
    expect(ids[0]).toMatch(/^[0-9a-f]{64}$/)
    expect(new Set(ids.slice(0, 3)).size).toBe(1)
    const h5Hash = createHash('sha256').update(readFileSync(h5File)).digest('hex')
    expect(ids[3]).toBe(h5Hash)
  })

  it('gives a different id when the weights change', async () => {
    const changed = tfjsVariant('changed', ({ json, weights }) => {
      const copy = Buffer.from(weights)
      copy.writeFloatLE(copy.readFloatLE(0) + 0.5, 0)
      return { json, weights: copy }
    })
    const [original, edited] = [
      await loadBackbone(modelJson, { home }),
      await loadBackbone(changed, { home }),
    ]
    expect(edited.id).not.toBe(original.id)
    original.model.dispose()
    edited.model.dispose()
  })

  it('says symmetric when the backbone does not rescale its pixels itself', async () => {
    const plain = buildMobileBackbone({ rescaling: false, size: 24 })
    const folder = join(dir, 'plain')
    await saveTfjsModel(plain, folder)
    plain.dispose()
    const loaded = await loadBackbone(folder, { home })
    expect(loaded.inputScaling).toBe('symmetric')
    expect(loaded.inputShape).toEqual([24, 24, 3])
    loaded.model.dispose()
  })

  it('names a missing file or a folder without model.json', async () => {
    const missing = join(dir, 'nothing', 'model.json')
    expect(await failure(loadBackbone(missing, { home }))).toMatchObject({
      code: 'BACKBONE_NOT_FOUND',
      file: missing,
      field: 'backbone',
    })
    expect(await failure(loadBackbone(join(dir, 'h5'), { home }))).toMatchObject({
      code: 'BACKBONE_NOT_FOUND',
      file: join(dir, 'h5', 'model.json'),
    })
  })

  it('refuses weight files that are short, missing or outside the model folder', async () => {
    const short = tfjsVariant('short', ({ json, weights }) => ({
      json,
      weights: weights.subarray(0, weights.length - 8),
    }))
    const error = await failure(loadBackbone(short, { home }))
    expect(error).toMatchObject({ code: 'BACKBONE_INVALID', file: join(short, 'model.json') })
    expect(error.message).toMatch(/hold \d+ bytes, the manifest needs \d+/)

    const escaping = tfjsVariant('escaping', ({ json, weights }) => {
      const parsed = JSON.parse(json) as tf.io.ModelJSON
      parsed.weightsManifest[0]!.paths = ['../tfjs/weights.bin']
      return { json: JSON.stringify(parsed), weights }
    })
    const outside = await failure(loadBackbone(escaping, { home }))
    expect(outside).toMatchObject({ code: 'BACKBONE_INVALID' })
    expect(outside.message).toContain('outside its folder')

    const absent = tfjsVariant('absent', ({ json, weights }) => ({ json, weights }))
    rmSync(join(absent, 'weights.bin'))
    const missing = await failure(loadBackbone(absent, { home }))
    expect(missing).toMatchObject({
      code: 'BACKBONE_INVALID',
      path: '$.weightsManifest[0].paths[0]',
    })
    expect(missing.message).toContain('is missing')
  })

  it('refuses unparsable JSON, a graph model and an input of unknown size', async () => {
    const broken = tfjsVariant('broken', ({ weights }) => ({
      json: '{"modelTopology": {',
      weights,
    }))
    const notJson = await failure(loadBackbone(broken, { home }))
    expect(notJson).toMatchObject({ code: 'BACKBONE_INVALID' })
    expect(notJson.message).toContain('not valid JSON')

    const graph = tfjsVariant('graph', ({ json, weights }) => ({
      json: JSON.stringify({ ...(JSON.parse(json) as object), format: 'graph-model' }),
      weights,
    }))
    expect((await failure(loadBackbone(graph, { home }))).message).toContain('graph model')

    const input = tf.input({ shape: [null, null, 3] })
    const anySize = tf.model({
      inputs: input,
      outputs: tf.layers.conv2d({ filters: 2, kernelSize: 3 }).apply(input) as tf.SymbolicTensor,
    })
    await saveTfjsModel(anySize, join(dir, 'any-size'))
    anySize.dispose()
    const unknown = await failure(loadBackbone(join(dir, 'any-size'), { home }))
    expect(unknown).toMatchObject({ code: 'BACKBONE_INVALID' })
    expect(unknown.message).toContain('input size is not fixed')
  })

  it('refuses a weights-only .h5, saying it needs its architecture', async () => {
    await h5wasm.ready
    const file = join(dir, 'weights-only.h5')
    const h5 = new h5wasm.File(file, 'w')
    h5.create_attribute('layer_names', ['dense'], [1], 'S5')
    h5.create_group('dense').create_attribute('weight_names', ['dense/kernel:0'], [1], 'S14')
    h5.close()
    const error = await failure(loadBackbone(file, { home }))
    expect(error).toMatchObject({ code: 'BACKBONE_INVALID', file, field: 'backbone' })
    expect(error.message).toContain('model.save')
  })

  it('refuses other schemes and unknown file types', async () => {
    expect(await failure(loadBackbone('ftp://example.com/model.json', { home }))).toMatchObject({
      code: 'BACKBONE_INVALID',
      field: 'backbone',
    })
    const text = join(dir, 'model.txt')
    writeFileSync(text, 'x')
    expect((await failure(loadBackbone(text, { home }))).code).toBe('BACKBONE_INVALID')
  })
})

describe('loadBackbone from a URL', () => {
  it('downloads model.json and its weights once, with progress ending at the total', async () => {
    const url = `${base}/good/model.json`
    const events: { done: number; total?: number; file: string }[] = []
    const first = await loadBackbone(url, { home, onProgress: (event) => events.push(event) })
    expect(maxDifference(first.model)).toBeLessThan(1e-5)
    expect(first.file).toBe(join(backboneCacheDir(home, url), 'model.json'))
    expect(requests.filter((path) => path.startsWith('/good/'))).toEqual([
      '/good/model.json',
      '/good/weights.bin',
    ])
    const { json, weights } = tfjsFiles(join(dir, 'tfjs'))
    const total = Buffer.byteLength(json) + weights.length
    expect(events.length).toBeGreaterThan(0)
    expect(events.at(-1)).toMatchObject({ done: total, total })
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.done).toBeGreaterThanOrEqual(events[i - 1]!.done)

    let fetched = 0
    const counting: typeof fetch = (...args) => {
      fetched++
      return fetch(...args)
    }
    const before = requests.length
    const second = await loadBackbone(url, { home, fetch: counting })
    expect(fetched).toBe(0)
    expect(requests.length).toBe(before)
    expect(second.id).toBe(first.id)
    expect(maxDifference(second.model)).toBeLessThan(1e-5)
    first.model.dispose()
    second.model.dispose()
  })

  it('downloads a .h5 through the given fetch', async () => {
    let fetched = 0
    const counting: typeof fetch = (...args) => {
      fetched++
      return fetch(...args)
    }
    const loaded = await loadBackbone(`${base}/keras/backbone.h5`, { home, fetch: counting })
    expect(fetched).toBe(1)
    expect(loaded.file.endsWith('model.h5')).toBe(true)
    expect(maxDifference(loaded.model)).toBeLessThan(1e-5)
    loaded.model.dispose()
  })

  it('fails with the status on HTTP errors and keeps nothing', async () => {
    const url = `${base}/gone/model.json`
    expect(await failure(loadBackbone(url, { home }))).toMatchObject({
      code: 'BACKBONE_DOWNLOAD_FAILED',
      details: { url, status: 404 },
    })
    const missingWeights = `${base}/again/model.json`
    routes.delete('/again/weights.bin')
    expect(await failure(loadBackbone(missingWeights, { home }))).toMatchObject({
      code: 'BACKBONE_DOWNLOAD_FAILED',
      details: { url: `${base}/again/weights.bin`, status: 404 },
    })
  })

  it('fails on a truncated body and downloads again next time', async () => {
    const url = `${base}/truncated/model.h5`
    expect((await failure(loadBackbone(url, { home }))).code).toBe('BACKBONE_DOWNLOAD_FAILED')
    expect((await failure(loadBackbone(url, { home }))).code).toBe('BACKBONE_DOWNLOAD_FAILED')
    expect(requests.filter((path) => path === '/truncated/model.h5')).toHaveLength(2)
  })

  it('refuses bad JSON, short weights and escaping weight paths without caching them', async () => {
    expect((await failure(loadBackbone(`${base}/bad-json/model.json`, { home }))).code).toBe(
      'BACKBONE_INVALID',
    )
    const short = `${base}/short/model.json`
    const error = await failure(loadBackbone(short, { home }))
    expect(error.code).toBe('BACKBONE_INVALID')
    expect(error.message).toContain('the manifest needs')
    // The cached copy is named by its URL, not by where the home folder is.
    expect(error).toMatchObject({ file: short })
    expect(error.message).not.toContain(home)
    expect((await failure(loadBackbone(short, { home }))).code).toBe('BACKBONE_INVALID')
    expect(requests.filter((path) => path === '/short/model.json')).toHaveLength(2)

    const escape = await failure(loadBackbone(`${base}/escape/model.json`, { home }))
    expect(escape.code).toBe('BACKBONE_INVALID')
    expect(escape.message).toContain('outside its folder')
    expect(requests.filter((path) => path.includes('..') || path === '/good/weights.bin')).toEqual([
      '/good/weights.bin',
    ])
  })

  it('fails when the server stops sending', async () => {
    const url = `${base}/stalled/model.h5`
    const error = await failure(loadBackbone(url, { home, idleTimeoutMs: 300 }))
    expect(error).toMatchObject({ code: 'BACKBONE_DOWNLOAD_FAILED', details: { url } })
    expect(error.message).toContain('no data for 0.3 s')
  })

  it('stops with INTERRUPTED when aborted mid-download', async () => {
    const controller = new AbortController()
    const error = await failure(
      loadBackbone(`${base}/stalled/model.h5`, {
        home,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      }),
    )
    expect(error.code).toBe('INTERRUPTED')
  })

  it('leaves only whole downloads in the home folder', () => {
    const kept = readdirSync(join(home, 'backbones')).sort()
    const expectedDirs = [`${base}/good/model.json`, `${base}/keras/backbone.h5`]
      .map((url) => backboneCacheDir(home, url).split('/').pop())
      .sort()
    expect(kept).toEqual(expectedDirs)
  })
})
