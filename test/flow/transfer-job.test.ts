// Transfer learning as a user runs it: GET /progress with `backbone=<URL of a .h5>` on a client.
// The backbone is one the test trained and serves itself over HTTP. The first job downloads it
// (with progress), computes every embedding and stores a model that takes plain pixels; the
// second job touches neither the network nor the backbone: everything comes from the caches.

import { GetObjectCommand } from '@aws-sdk/client-s3'
import { createServer, type Server } from 'node:http'
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobEvent, JobResult } from '../../src-shared/job-events'
import { loadKerasH5 } from '../../src-main/engine/backbone/load-keras-h5'
import { selectBackend } from '../../src-main/engine/backend/select-backend'
import { failedStream, rawRequest, startTestServer, type TestServer } from '../http/server-fixture'
import {
  buildMobileBackbone,
  pretrainMobileBackbone,
  saveMobileBackbone,
} from '../engine/mobile-backbone'
import { classificationMetrics } from '../../src-shared/tasks/task-metrics'

const SIZE = 32

function lines(text: string): (JobEvent | JobResult)[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as JobEvent | JobResult)
}

describe('a transfer-learning job', () => {
  let server: TestServer
  let files: Server
  let scratch: string
  let backboneUrl = ''
  const served: string[] = []

  beforeAll(async () => {
    await selectBackend('wasm')
    server = await startTestServer()
    scratch = await mkdtemp(join(server.home, '..', 'transfer-'))
    const backbone = buildMobileBackbone({ size: SIZE, seed: 4 })
    await pretrainMobileBackbone(backbone, 30, 8)
    const h5 = await saveMobileBackbone(backbone, scratch, 'h5')
    backbone.dispose()
    const bytes = await readFile(h5)
    files = createServer((req, res) => {
      served.push(req.url ?? '')
      res.writeHead(200, { 'content-length': bytes.length })
      res.end(bytes)
    })
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve))
    backboneUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}/mobile/backbone.h5`
    await server.seedClient('client0', { classes: 2, imagesPerClass: 16, size: 48 })
    await server.seedClient('fresh1', { classes: 2, imagesPerClass: 4, size: 32 })
  }, 120_000)

  afterAll(async () => {
    await server?.close()
    await new Promise((resolve) => files?.close(resolve))
    await rm(scratch, { recursive: true, force: true })
  })

  const progress = () =>
    rawRequest(
      server.port,
      `/progress?train_type=classification&bucket_name=client0&epochs=4&batch_size=8` +
        `&backbone=${encodeURIComponent(backboneUrl)}`,
    )

  it('downloads the backbone once, trains a head on embeddings and stores one pixel-input model', async () => {
    const res = await progress()
    expect(res.status).toBe(200)
    const stream = lines(res.text)
    const result = stream.at(-1) as JobResult
    expect(result).toMatchObject({ state: 'done', Training: 'Succesfull', Storing: 'Succesfull' })
    expect(served).toEqual(['/mobile/backbone.h5'])
    const bytesProgress = stream.filter(
      (e): e is Extract<JobEvent, { type: 'progress' }> =>
        'type' in e && e.type === 'progress' && e.unit === 'bytes',
    )
    expect(bytesProgress.at(-1)?.done).toBeGreaterThan(0)
    expect(bytesProgress.at(-1)?.done).toBe(bytesProgress.at(-1)?.total)
    const transfer = classificationMetrics(result.metrics)?.transfer
    expect(transfer).toMatchObject({
      backbone: backboneUrl,
      inputShape: [SIZE, SIZE, 3],
      embeddingsComputed: 32,
      embeddingsCached: 0,
      fineTunedLayers: [],
    })
    expect(result.metrics?.epochs).toHaveLength(4)

    // The stored model takes raw pixels at the backbone's size, as labels.json says.
    const download = async (key: string) => {
      const got = await server.core.s3.send(
        new GetObjectCommand({ Bucket: 'training-server-model-client0', Key: key }),
      )
      return Buffer.from(await got.Body!.transformToByteArray())
    }
    const labels = JSON.parse((await download('labels.json')).toString('utf8')) as {
      inputSize: number[]
    }
    expect(labels.inputSize).toEqual([SIZE, SIZE, 3])
    const metricsFile = JSON.parse((await download('metrics.json')).toString('utf8')) as {
      params: { architecture: string; imageSize: number }
      transfer: unknown
    }
    expect(metricsFile.params).toMatchObject({ architecture: 'transfer', imageSize: SIZE })
    expect(metricsFile.transfer).toEqual(transfer)
    const h5 = join(scratch, 'model.h5')
    await writeFile(h5, await download('model.h5'))
    const model = await loadKerasH5(h5)
    try {
      const probs = tf.tidy(() =>
        (model.predict(tf.fill([2, SIZE, SIZE, 3], 128)) as tf.Tensor).sum(-1).arraySync(),
      ) as number[]
      probs.forEach((sum) => expect(sum).toBeCloseTo(1, 5))
    } finally {
      model.dispose()
    }
  }, 300_000)

  it('runs again from the caches: no download, no decoding, no backbone pass', async () => {
    const res = await progress()
    const stream = lines(res.text)
    const result = stream.at(-1) as JobResult
    expect(result.state).toBe('done')
    expect(served).toHaveLength(1)
    expect(classificationMetrics(result.metrics)?.transfer).toMatchObject({
      embeddingsComputed: 0,
      embeddingsCached: 32,
    })
    const messages = stream.flatMap((e) => ('type' in e && e.type === 'log' ? [e.message] : []))
    expect(messages).toContain('32 images from the pixel cache, 0 decoded')
  }, 300_000)

  describe('a backbone that cannot be used', () => {
    // Once the job exists its failures are the stream's last line, like every other failure:
    // here while it is still queued, before anything is synced.
    const refused = async (backbone: string) => {
      const res = await rawRequest(
        server.port,
        `/progress?train_type=classification&bucket_name=fresh1&epochs=1` +
          `&backbone=${encodeURIComponent(backbone)}`,
      )
      const { result } = failedStream(res)
      return { status: res.status, result, stages: Object.keys(result.timings) }
    }
    const synced = () =>
      access(join(server.home, 'train_data', 'fresh1')).then(
        () => true,
        () => false,
      )

    it('fails a missing path before the bucket is synced', async () => {
      const { status, result, stages } = await refused('no-such-folder/backbone.h5')
      expect(status).toBe(200)
      expect(result).toMatchObject({
        state: 'failed',
        Training: 'Failed',
        Storing: 'Skipped',
        error: { code: 'BACKBONE_NOT_FOUND', field: 'backbone' },
      })
      // Named as given, not as a folder of this machine.
      expect(result.error?.message).toContain('no-such-folder/backbone.h5')
      expect(JSON.stringify(result.error)).not.toContain(server.home)
      expect(stages).toEqual(['queued'])
      expect(await synced()).toBe(false)
    })

    it('fails a file that is no model before the bucket is synced', async () => {
      await writeFile(join(server.home, 'not-a-model.h5'), 'just text')
      const { status, result, stages } = await refused('not-a-model.h5')
      expect(status).toBe(200)
      expect(result).toMatchObject({ state: 'failed', error: { code: 'BACKBONE_INVALID' } })
      expect(JSON.stringify(result.error)).not.toContain(server.home)
      expect(stages).toEqual(['queued'])
      expect(await synced()).toBe(false)
    })

    it('fails a URL that serves no model before the bucket is synced', async () => {
      const { result, stages } = await refused(backboneUrl.replace('/backbone.h5', '/gone.json'))
      // The test's server answers every path with the .h5 bytes, which are not JSON.
      expect(result).toMatchObject({ state: 'failed', error: { code: 'BACKBONE_INVALID' } })
      expect(JSON.stringify(result.error)).not.toContain(server.home)
      expect(stages).toEqual(['queued'])
      expect(await synced()).toBe(false)
    })

    it('holds a URL to TRAINING_SERVER_BACKBONE_MAX_BYTES before the bucket is synced', async () => {
      const small = await startTestServer({ env: { TRAINING_SERVER_BACKBONE_MAX_BYTES: '2048' } })
      try {
        await small.seedClient('fresh2', { classes: 2, imagesPerClass: 4, size: 32 })
        const res = await rawRequest(
          small.port,
          `/progress?train_type=classification&bucket_name=fresh2&epochs=1` +
            `&backbone=${encodeURIComponent(backboneUrl.replace('backbone.h5', 'large.h5'))}`,
        )
        const { result } = failedStream(res)
        expect(result.error).toMatchObject({ code: 'BACKBONE_TOO_LARGE', details: { limit: 2048 } })
        expect(Object.keys(result.timings)).toEqual(['queued'])
      } finally {
        await small.close()
      }
    })
  })
})
