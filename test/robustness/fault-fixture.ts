// Tools for fault tests: waiting on a job's events, the last line of a stream, an S3 client that
// is slowed down or made to fail on purpose, a dataset holding every awkward kind of image, and
// a tiny S3 look-alike that lists whatever keys a test wants (no real store would hold them).

import { createServer, type Server } from 'node:http'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import type { JobEvent, JobResult, JobState } from '../../src-shared/job-events'
import type { Job } from '../../src-main/jobs/job'
import { writeDemoDataset } from '../../src-main/dataset/demo-dataset'
import { generateStoreCredentials } from '../../src-main/storage/store-credentials'
import { ODD_IMAGES, pngDeclaring, writeOddImages } from '../dataset/odd-images'

/** Settles with the first event of the job's log (replayed or live) that matches. */
export function eventOf(
  job: Job,
  matches: (event: JobEvent) => boolean,
  timeoutMs = 60_000,
): Promise<JobEvent> {
  return new Promise((resolve, reject) => {
    const subscription: { stop?: () => void } = {}
    let found: JobEvent | undefined
    const timer = setTimeout(() => {
      subscription.stop?.()
      reject(new Error(`job ${job.id}: event not seen within ${timeoutMs} ms`))
    }, timeoutMs)
    subscription.stop = job.log.subscribe((event) => {
      if (found || !matches(event)) return
      found = event
      clearTimeout(timer)
      queueMicrotask(() => subscription.stop?.())
      resolve(event)
    })
  })
}

export async function resultOf(job: Job, timeoutMs = 120_000): Promise<JobResult> {
  const event = await eventOf(job, (e) => e.type === 'result', timeoutMs)
  if (event.type !== 'result') throw new Error('not a result')
  return event.result
}

export function stageReached(job: Job, state: JobState): Promise<JobEvent> {
  return eventOf(job, (e) => e.type === 'stage' && e.state === state)
}

/** The last line of an NDJSON answer: the job's result. */
export function lastLine(text: string): JobResult {
  return JSON.parse(text.trimEnd().split('\n').at(-1) ?? '') as JobResult
}

/**
 * Steers an S3 client's requests by command name: `delay` answers how long to hold one (by its
 * command and object key), and commands in `failing` fail at once (no retries) while listed.
 */
export function steerCommands(s3: S3Client) {
  const control = {
    delay: (_command: string, _key: string | undefined): number => 0,
    failing: new Set<string>(),
    sent: [] as string[],
  }
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? ''
      control.sent.push(name)
      const key = (args.input as { Key?: string }).Key
      const delay = control.delay(name, key)
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
      if (control.failing.has(name))
        throw Object.assign(new Error(`${name} refused by the test`), {
          name: 'InternalError',
          $metadata: { httpStatusCode: 500 },
        })
      return next(args)
    },
    { step: 'initialize', name: `steerCommands${Math.random()}` },
  )
  return control
}

/** Every file under a folder, relative with '/'. */
export async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath, e.name)
        .slice(root.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort()
}

/** Images of the odd dataset that cannot be trained on, by path under images/. */
export const BAD_ODD_IMAGES = [
  'odd/bomb-50000.png',
  'odd/bomb.png',
  'odd/cut.jpg',
  'odd/empty.jpg',
  'odd/text.jpg',
  'odd/truncated.png',
  'odd/vector.jpg',
]

/**
 * A demo dataset (2 classes × 30 images) plus every odd image under images/odd/: zero bytes, a
 * text file and an SVG named .jpg, a truncated PNG and JPEG, decompression bombs declaring
 * 20,000² and 50,000² pixels, CMYK, 16-bit, grayscale, alpha, animated and EXIF-rotated files.
 */
export async function writeOddDataset(folder: string): Promise<{ images: number }> {
  await writeDemoDataset(folder, { classes: 2, imagesPerClass: 30, size: 40 })
  const oddDir = join(folder, 'images', 'odd')
  await writeOddImages(oddDir)
  await writeFile(join(oddDir, 'bomb-50000.png'), pngDeclaring(50_000, 50_000))
  const file = join(folder, 'coco', 'annotations.json')
  const coco = JSON.parse(await readFile(file, 'utf8')) as {
    images: { id: number; file_name: string; width: number; height: number }[]
    annotations: { id: number; image_id: number; category_id: number }[]
  }
  const names = [...Object.keys(ODD_IMAGES), 'bomb-50000.png']
  names.forEach((name, i) => {
    const id = 10_000 + i
    const facts = ODD_IMAGES[name as keyof typeof ODD_IMAGES] as { width?: number; height?: number }
    coco.images.push({
      id,
      file_name: `odd/${name}`,
      width: facts?.width ?? 50_000,
      height: facts?.height ?? 50_000,
    })
    coco.annotations.push({ id, image_id: id, category_id: 1 + (i % 2) })
  })
  await writeFile(file, JSON.stringify(coco))
  return { images: coco.images.length }
}

function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * An HTTP server speaking just enough S3 for a mirror: any bucket lists `keys`, any object
 * answers with its key as the body. Real stores refuse to hold keys such as `../x`; a hostile or
 * buggy one could still list them, which is what this stands in for.
 */
export async function startListingStore(
  keys: () => string[],
): Promise<{ endpoint: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = []
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/'
    requests.push(`${req.method} ${url}`)
    const path = url.split('?')[0] ?? '/'
    const [, , ...keyParts] = path.split('/')
    if (keyParts.length === 0 || (keyParts.length === 1 && keyParts[0] === '')) {
      const contents = keys()
        .map(
          (key) =>
            `<Contents><Key>${xmlText(key)}</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>` +
            `<ETag>"${Buffer.from(key).toString('hex').slice(0, 32)}"</ETag><Size>${Buffer.byteLength(key)}</Size>` +
            '<StorageClass>STANDARD</StorageClass></Contents>',
        )
        .join('')
      const body =
        '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        `<Name>bucket</Name><Prefix></Prefix><Marker></Marker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`
      res.writeHead(200, { 'content-type': 'application/xml' }).end(body)
      return
    }
    const key = decodeURIComponent(keyParts.join('/'))
    res.writeHead(200, { 'content-length': Buffer.byteLength(key), etag: '"x"' }).end(key)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** The key the tests' own stores are started with (startEmbeddedS3's `credentials`). */
export const STORE_KEYS = generateStoreCredentials()

/** AWS credentials for a configured (not embedded) store, set while a test runs. */
export const STORE_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: STORE_KEYS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: STORE_KEYS.secretAccessKey,
  AWS_EC2_METADATA_DISABLED: 'true',
}

export function useStoreCredentials(): () => void {
  const before = Object.fromEntries(
    Object.keys(STORE_CREDENTIALS).map((name) => [name, process.env[name]]),
  )
  Object.assign(process.env, STORE_CREDENTIALS)
  return () => {
    for (const [name, value] of Object.entries(before))
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
  }
}
