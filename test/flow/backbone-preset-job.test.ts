// A preset backbone as a user names it (`backbone=mobilenet_v1_0.25_224`), served by the test
// under the preset's public path from a local server that TRAINING_SERVER_BACKBONE_PRESET_BASE
// points at: nothing is fetched from the internet. The first job downloads model.json and its
// weight shards (found relative to model.json), takes features from the preset's inner layer and
// stores a model; the next one uses the cached copy without a request. With the base unreachable,
// the job trains from scratch and says so in its log and result.

import { createServer, type Server } from 'node:http'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backbonePreset } from '../../src-shared/backbone-presets'
import type { JobEvent, JobResult } from '../../src-shared/job-events'
import { classificationMetrics } from '../../src-shared/tasks/task-metrics'
import { selectBackend } from '../../src-main/engine/backend/select-backend'
import { saveTfjsModel } from '../../src-main/engine/export/tfjs'
import { rawRequest, startTestServer, type TestServer } from '../http/server-fixture'

const SIZE = 32
const PRESET = 'mobilenet_v1_0.25_224'

/** MobileNet v1's shape in miniature: features at conv_pw_13_relu, then a softmax top to cut off. */
function tinyMobileNetV1(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] })
  const conv = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, name: 'conv1', kernelInitializer: 'ones' })
    .apply(input) as tf.SymbolicTensor
  const features = tf.layers.reLU({ name: 'conv_pw_13_relu' }).apply(conv) as tf.SymbolicTensor
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(features)
  const top = tf.layers
    .dense({ units: 5, activation: 'softmax', name: 'conv_preds' })
    .apply(pooled) as tf.SymbolicTensor
  return tf.model({ inputs: input, outputs: top, name: 'tiny_mobilenet_v1' })
}

/**
 * Rewrites a saved model's one weight file as two shards, one in a subfolder, as the public
 * models come (group1-shard1of2.bin, …): each must be fetched relative to model.json.
 */
async function splitIntoShards(folder: string): Promise<void> {
  const jsonFile = join(folder, 'model.json')
  const json = JSON.parse(await readFile(jsonFile, 'utf8')) as {
    weightsManifest: { paths: string[] }[]
  }
  const group = json.weightsManifest[0]!
  const bytes = await readFile(join(folder, group.paths[0]!))
  await rm(join(folder, group.paths[0]!))
  const half = Math.floor(bytes.length / 2)
  await mkdir(join(folder, 'shards'))
  await writeFile(join(folder, 'group1-shard1of2.bin'), bytes.subarray(0, half))
  await writeFile(join(folder, 'shards', 'group1-shard2of2.bin'), bytes.subarray(half))
  group.paths = ['group1-shard1of2.bin', 'shards/group1-shard2of2.bin']
  await writeFile(jsonFile, JSON.stringify(json))
}

function lines(text: string): (JobEvent | JobResult)[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as JobEvent | JobResult)
}

const logs = (stream: (JobEvent | JobResult)[]) =>
  stream.flatMap((e) => ('type' in e && e.type === 'log' ? [e] : []))

describe('a job naming a preset backbone', () => {
  let server: TestServer
  let offline: TestServer
  let files: Server
  let scratch: string
  const served: string[] = []

  beforeAll(async () => {
    await selectBackend('wasm')
    scratch = await mkdtemp(join(process.env.TRAINING_SERVER_HOME ?? '', 'preset-'))
    const model = tinyMobileNetV1()
    await saveTfjsModel(model, join(scratch, 'model'))
    model.dispose()
    await splitIntoShards(join(scratch, 'model'))
    const publicPath = new URL(backbonePreset(PRESET)?.url ?? '').pathname
    const folder = publicPath.slice(0, publicPath.lastIndexOf('/') + 1)
    files = createServer((req, res) => {
      const path = req.url ?? ''
      served.push(path)
      if (!path.startsWith(folder)) return void res.writeHead(404).end()
      readFile(join(scratch, 'model', path.slice(folder.length))).then(
        (bytes) => res.writeHead(200, { 'content-length': bytes.length }).end(bytes),
        () => res.writeHead(404).end(),
      )
    })
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(files.address() as AddressInfo).port}/`
    server = await startTestServer({ env: { TRAINING_SERVER_BACKBONE_PRESET_BASE: base } })
    await server.seedClient('client0', { classes: 2, imagesPerClass: 6, size: SIZE })
    // Port 9 (discard) has no listener on loopback: a connection there is refused at once.
    offline = await startTestServer({
      env: { TRAINING_SERVER_BACKBONE_PRESET_BASE: 'http://127.0.0.1:9/' },
    })
    await offline.seedClient('client0', { classes: 2, imagesPerClass: 6, size: SIZE })
    await offline.seedDetectionClient('shapes', { images: 8, size: SIZE, seed: 3 })
  }, 120_000)

  afterAll(async () => {
    await server?.close()
    await offline?.close()
    await new Promise((resolve) => files?.close(resolve))
    await rm(scratch, { recursive: true, force: true })
  })

  const progress = (on: TestServer) =>
    rawRequest(
      on.port,
      `/progress?train_type=classification&bucket_name=client0&epochs=1&batch_size=4` +
        `&backbone=${PRESET}`,
    )

  it('downloads model.json and its weights once, under the preset path, and trains on the cut', async () => {
    const res = await progress(server)
    const stream = lines(res.text)
    const result = stream.at(-1) as JobResult
    expect(result).toMatchObject({ state: 'done', Training: 'Succesfull' })
    expect(result.backboneFallback).toBeUndefined()
    const folder = '/tfjs-models/tfjs/mobilenet_v1_0.25_224/'
    expect(served.sort()).toEqual(
      [
        `${folder}model.json`,
        `${folder}group1-shard1of2.bin`,
        `${folder}shards/group1-shard2of2.bin`,
      ].sort(),
    )
    // Features from conv_pw_13_relu (8 channels, pooled), not the 5-way softmax on top.
    expect(classificationMetrics(result.metrics)?.transfer).toMatchObject({
      backbone: PRESET,
      inputShape: [SIZE, SIZE, 3],
      embeddingSize: 8,
    })
  }, 300_000)

  it('uses the downloaded copy the next time, without a request', async () => {
    const before = served.length
    const result = lines((await progress(server)).text).at(-1) as JobResult
    expect(result.state).toBe('done')
    expect(served).toHaveLength(before)
  }, 300_000)

  it('trains from scratch when the preset cannot be reached, and says so', async () => {
    const stream = lines((await progress(offline)).text)
    const result = stream.at(-1) as JobResult
    expect(result).toMatchObject({ state: 'done', Training: 'Succesfull' })
    expect(result.backboneFallback).toMatchObject({
      backbone: PRESET,
      architecture: 'cnn',
      error: { code: 'BACKBONE_OFFLINE', field: 'backbone' },
    })
    expect(classificationMetrics(result.metrics)?.transfer).toBeUndefined()
    const warning = logs(stream).find(
      (e) => e.level === 'warn' && /BACKBONE_OFFLINE/.test(e.message),
    )
    expect(warning?.message).toContain(PRESET)
    expect(warning?.message).toContain('from scratch')
  }, 300_000)

  it('trains a detection job from scratch as a detector when the preset cannot be reached', async () => {
    const res = await rawRequest(
      offline.port,
      `/progress?train_type=obj_detection&bucket_name=shapes&epochs=1&batch_size=4` +
        `&image_size=${SIZE}&backbone=${PRESET}`,
    )
    const result = lines(res.text).at(-1) as JobResult
    expect(result).toMatchObject({ state: 'done', Training: 'Succesfull' })
    expect(result.backboneFallback).toMatchObject({ backbone: PRESET, architecture: 'centernet' })
  }, 300_000)
})
