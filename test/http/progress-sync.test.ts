// /progress over a store slowed on purpose: the job line comes before any object does, and sync
// progress arrives while the files do, in order, in both wire formats.

import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobEvent, JobResult, ProgressEvent } from '../../src-shared/job-events'
import { steerCommands } from '../robustness/fault-fixture'
import { rawRequest, startTestServer, type TestServer } from './server-fixture'

/** One NDJSON line and when it arrived (ms since the request was sent). */
interface TimedLine {
  at: number
  line: JobEvent | JobResult
  /** GetObject requests the store had answered when the line arrived. */
  fetched: number
}

const OBJECTS = 300 + 1 // 300 images and the annotations file

let server: TestServer
let steer: ReturnType<typeof steerCommands>
/** GetObject requests that have completed. */
let fetched = 0
beforeAll(async () => {
  server = await startTestServer()
  for (const client of ['many', 'many-sse'])
    await server.seedClient(client, { classes: 2, imagesPerClass: 150, size: 16, seed: 3 })
  steer = steerCommands(server.core.s3)
  server.core.s3.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args)
      if (context.commandName === 'GetObjectCommand') fetched += 1
      return out
    },
    { step: 'initialize', name: 'countFetched' },
  )
}, 60_000)
afterAll(() => server?.close())

/**
 * Reads an NDJSON answer line by line (or an SSE answer event by event) as it arrives; `onLine`
 * may end the job early.
 */
function readTimed(
  path: string,
  onLine: (line: TimedLine) => void,
  format: 'ndjson' | 'sse' = 'ndjson',
): Promise<TimedLine[]> {
  const started = performance.now()
  const separator = format === 'sse' ? '\n\n' : '\n'
  return new Promise((resolve, reject) => {
    const lines: TimedLine[] = []
    const headers: Record<string, string> = { host: `127.0.0.1:${server.port}` }
    if (format === 'sse') headers.accept = 'text/event-stream'
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let buffer = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buffer += chunk
        let end: number
        while ((end = buffer.indexOf(separator)) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + separator.length)
          const text =
            format === 'sse'
              ? block
                  .split('\n')
                  .find((l) => l.startsWith('data: '))
                  ?.slice(6)
              : block
          // SSE's retry and keep-alive blocks carry no event.
          if (text === undefined) continue
          const timed = {
            at: performance.now() - started,
            line: JSON.parse(text) as JobEvent,
            fetched,
          }
          lines.push(timed)
          onLine(timed)
        }
      })
      res.on('end', () => resolve(lines))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

const isEvent = (line: JobEvent | JobResult): line is JobEvent => 'seq' in line

describe('GET /progress while a slow bucket syncs', () => {
  it('sends the job line at once and sync progress in order, before the sync ends', async () => {
    // Every object takes 60 ms to come: 301 objects, 16 at a time, are about 1.2 s of sync.
    steer.delay = (command) => (command === 'GetObjectCommand' ? 60 : 0)
    fetched = 0
    let interrupting: Promise<unknown> | undefined
    const lines = await readTimed(
      '/progress?train_type=classification&bucket_name=many&epochs=1&image_size=16',
      ({ line }) => {
        // The sync is what this test is about: stop the job once it has passed.
        if (isEvent(line) && line.type === 'stage' && line.state === 'validating')
          interrupting ??= rawRequest(server.port, '/interrupt?bucket_name=many')
      },
    )
    await interrupting
    steer.delay = () => 0

    const first = lines[0]
    expect(first?.line).toMatchObject({ type: 'stage', state: 'queued', client: 'many' })
    const jobId = first && isEvent(first.line) && first.line.type === 'stage' && first.line.jobId
    expect(jobId).toMatch(/^many-/)
    // The first line came while (almost) nothing had been fetched yet.
    expect(first?.fetched).toBeLessThan(OBJECTS / 2)

    const validating = lines.find(
      ({ line }) => isEvent(line) && line.type === 'stage' && line.state === 'validating',
    )
    expect(validating).toBeDefined()
    const sync = lines.filter(
      (l): l is TimedLine & { line: ProgressEvent } =>
        isEvent(l.line) && l.line.type === 'progress' && l.line.stage === 'syncing',
    )
    // Throttled, yet several steps while it ran, each arriving before the sync ended.
    expect(sync.length).toBeGreaterThanOrEqual(3)
    expect(sync.length).toBeLessThan(OBJECTS)
    const during = sync.filter((l) => l.fetched < OBJECTS)
    expect(during.length).toBeGreaterThanOrEqual(2)
    expect(during.every((l) => l.at < (validating?.at ?? 0))).toBe(true)
    const counts = sync.map((l) => l.line.done)
    expect(counts).toEqual([...counts].sort((a, b) => a - b))
    expect(new Set(counts).size).toBeGreaterThanOrEqual(3)
    expect(sync.every((l) => l.line.total === OBJECTS && l.line.unit === 'files')).toBe(true)
    const bytes = sync.map((l) => l.line.bytesDone ?? -1)
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b))
    expect(sync.at(-1)?.line).toMatchObject({ done: OBJECTS })
    expect(sync.at(-1)?.line.bytesDone).toBe(sync.at(-1)?.line.bytesTotal)
    expect(lines.at(-1)?.line).toMatchObject({ jobId, state: 'interrupted' })
  }, 120_000)

  it('sends the job event at once as Server-Sent Events too', async () => {
    steer.delay = (command) => (command === 'GetObjectCommand' ? 60 : 0)
    fetched = 0
    let interrupting: Promise<unknown> | undefined
    const lines = await readTimed(
      '/progress?train_type=classification&bucket_name=many-sse&epochs=1&image_size=16',
      ({ line }) => {
        if (isEvent(line) && line.type === 'stage' && line.state === 'validating')
          interrupting ??= rawRequest(server.port, '/interrupt?bucket_name=many-sse')
      },
      'sse',
    )
    await interrupting
    steer.delay = () => 0
    expect(lines[0]?.line).toMatchObject({ type: 'stage', state: 'queued', client: 'many-sse' })
    expect(lines[0]?.fetched).toBeLessThan(OBJECTS / 2)
    const sync = lines.filter(
      ({ line }) => isEvent(line) && line.type === 'progress' && line.stage === 'syncing',
    )
    expect(sync.filter((l) => l.fetched < OBJECTS).length).toBeGreaterThanOrEqual(2)
  }, 120_000)
})
