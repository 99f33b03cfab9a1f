// A real core for endpoint tests: its own home folder, the embedded S3 store and the endpoint on
// free ports, functions that put datasets in buckets, and raw HTTP requests (tests need to send
// headers fetch() refuses to set, such as Host). close() stops everything and frees the ports.

import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { datasetBucketName } from '../../src-shared/client-names'
import type { JobEvent, JobResult } from '../../src-shared/job-events'
import { loadSettings, type Settings } from '../../src-main/config/settings'
import { startCore, type Core } from '../../src-main/core'
import { writeDemoDataset, type DemoDatasetOptions } from '../../src-main/dataset/demo-dataset'
import {
  writeDemoDetectionDataset,
  type DemoDetectionOptions,
} from '../../src-main/dataset/demo-detection-dataset'
import {
  writeDemoSegmentationDataset,
  type DemoSegmentationOptions,
} from '../../src-main/dataset/demo-segmentation-dataset'
import { startHttpServer, type HttpServer } from '../../src-main/http/server'
import { uploadFolder } from '../../src-main/storage/upload-folder'

export interface TestServer {
  core: Core
  http: HttpServer
  home: string
  port: number
  url: string
  /** Puts a generated dataset into `<prefix><client>`. */
  seedClient(client: string, opts?: DemoDatasetOptions): Promise<void>
  /** Puts a generated detection dataset (boxes, 1–5 objects per image) into `<prefix><client>`. */
  seedDetectionClient(client: string, opts?: DemoDetectionOptions): Promise<void>
  /** Puts a generated segmentation dataset (2–5 shapes per image with masks) into `<prefix><client>`. */
  seedSegmentationClient(client: string, opts?: DemoSegmentationOptions): Promise<void>
  /** Puts a dataset whose annotations.json is broken into `<prefix><client>`. */
  seedBrokenClient(client: string): Promise<void>
  close(): Promise<void>
}

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  text: string
  json<T = unknown>(): T
}

/** Small images and few of them: enough to learn, fast to train. */
export const SMALL_DATASET: DemoDatasetOptions = { classes: 2, imagesPerClass: 12, size: 40 }
/** A detection set small enough to train in seconds. */
export const SMALL_DETECTION_DATASET: DemoDetectionOptions = { images: 24, size: 64, seed: 5 }
/** A segmentation set small enough to train in seconds. */
export const SMALL_SEGMENTATION_DATASET: DemoSegmentationOptions = { images: 24, size: 64, seed: 6 }
/** Query parameters that keep training short. */
export const FAST_PARAMS = 'epochs=2&image_size=32&batch_size=8'

export async function startTestServer(
  opts: { env?: Record<string, string>; uiDir?: string; seedDemo?: boolean } = {},
): Promise<TestServer> {
  const base = process.env.TRAINING_SERVER_HOME
  if (!base) throw new Error('test/setup-home.ts did not run')
  const home = await mkdtemp(join(base, 'core-'))
  const settings: Settings = loadSettings({
    TRAINING_SERVER_HOME: home,
    TRAINING_SERVER_PORT: '0',
    TRAINING_SERVER_S3_PORT: '0',
    ...opts.env,
  })
  const core = await startCore(settings, { seedDemo: opts.seedDemo ?? false })
  let http: HttpServer
  try {
    http = await startHttpServer(core, { port: 0, ...(opts.uiDir && { uiDir: opts.uiDir }) })
  } catch (err) {
    await core.close()
    throw err
  }
  const upload = async (client: string, fill: (folder: string) => Promise<void>) => {
    const folder = await mkdtemp(join(base, 'dataset-'))
    try {
      await fill(folder)
      await uploadFolder({
        s3: core.s3,
        bucket: datasetBucketName(settings.bucketPrefix, client),
        folder,
        createBucket: true,
      })
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  }
  return {
    core,
    http,
    home,
    port: http.port,
    url: http.url,
    seedClient: (client, datasetOpts = SMALL_DATASET) =>
      upload(client, async (folder) => {
        await writeDemoDataset(folder, datasetOpts)
      }),
    seedDetectionClient: (client, datasetOpts = SMALL_DETECTION_DATASET) =>
      upload(client, async (folder) => {
        await writeDemoDetectionDataset(folder, datasetOpts)
      }),
    seedSegmentationClient: (client, datasetOpts = SMALL_SEGMENTATION_DATASET) =>
      upload(client, async (folder) => {
        await writeDemoSegmentationDataset(folder, datasetOpts)
      }),
    seedBrokenClient: (client) =>
      upload(client, async (folder) => {
        await writeDemoDataset(folder, SMALL_DATASET)
        // An annotation pointing at a category that does not exist: a validation error.
        await writeFile(
          join(folder, 'coco', 'annotations.json'),
          JSON.stringify({
            info: {},
            categories: [{ id: 1, name: 'circle' }],
            images: [{ id: 0, file_name: 'missing.jpg', width: 10, height: 10 }],
            annotations: [{ id: 1, image_id: 0, category_id: 7 }],
          }),
        )
      }),
    close: async () => {
      await http.close()
      await core.close()
    },
  }
}

/** One HTTP request with full control over the headers; the Host header defaults to 127.0.0.1:port. */
export function rawRequest(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        headers: { host: `127.0.0.1:${port}`, ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => JSON.parse(text) as T,
          })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** Polls until check() holds (or fails after timeoutMs). */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** The lines of an NDJSON answer: the job's events, then its result. */
export function streamLines(text: string): (JobEvent | JobResult)[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as JobEvent | JobResult)
}

/**
 * The one shape of a failure once a job exists: a 200 NDJSON stream that opens with the job's
 * queued line and ends with its result, `state: 'failed'` with an error.
 */
export function failedStream(res: RawResponse): { first: JobEvent; result: JobResult } {
  if (res.status !== 200 || !String(res.headers['content-type']).startsWith('application/x-ndjson'))
    throw new Error(`expected a 200 NDJSON stream, got ${res.status}: ${res.text.slice(0, 300)}`)
  const lines = streamLines(res.text)
  const result = lines.at(-1) as JobResult
  if (result.state !== 'failed' || !result.error)
    throw new Error(`expected a failed result line, got ${JSON.stringify(result).slice(0, 300)}`)
  return { first: lines[0] as JobEvent, result }
}
