// GET /api/clients/:client/sync/events over a store slowed on purpose: while a POST sync runs, the
// stream delivers the file counts as they grow, then that the dataset is being validated, before
// the sync answers; a training job's sync is published there too.

import { request as httpRequest, type ClientRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SyncProgress } from '../../src-shared/sync-progress'
import { steerCommands } from '../robustness/fault-fixture'
import { rawRequest, startTestServer, until, type TestServer } from './server-fixture'

const IMAGES = 120
const OBJECTS = IMAGES + 1 // the images and the annotations file

let server: TestServer
let steer: ReturnType<typeof steerCommands>
/** GetObject requests that have completed. */
let fetched = 0
beforeAll(async () => {
  server = await startTestServer()
  for (const client of ['slow', 'slow-job'])
    await server.seedClient(client, { classes: 2, imagesPerClass: IMAGES / 2, size: 16, seed: 5 })
  steer = steerCommands(server.core.s3)
  server.core.s3.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args)
      if (context.commandName === 'GetObjectCommand') fetched += 1
      return out
    },
    { step: 'initialize', name: 'countFetchedForSyncEvents' },
  )
}, 60_000)
afterAll(() => server?.close())

interface Seen {
  progress: SyncProgress
  /** GetObject requests the store had answered when the step arrived. */
  fetched: number
}

/** Opens the SSE stream; resolves once the server has answered, so nothing after is missed. */
function openSyncEvents(
  client: string,
  onStep: (seen: Seen) => void,
): Promise<{ req: ClientRequest; status: number; type: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path: `/api/clients/${client}/sync/events`,
        headers: { host: `127.0.0.1:${server.port}`, accept: 'text/event-stream' },
      },
      (res) => {
        let buffer = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          buffer += chunk
          let end: number
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end).split('\n')
            buffer = buffer.slice(end + 2)
            const data = block.find((l) => l.startsWith('data: '))?.slice(6)
            if (data === undefined || !block.includes('event: progress')) continue
            onStep({ progress: JSON.parse(data) as SyncProgress, fetched })
          }
        })
        // The caller hangs up on purpose; that is not a failure.
        res.on('error', () => undefined)
        resolve({ req, status: res.statusCode ?? 0, type: String(res.headers['content-type']) })
      },
    )
    req.on('error', reject)
    req.end()
  })
}

const counting = (seen: Seen[]) =>
  seen.filter(
    (s): s is Seen & { progress: Extract<SyncProgress, { stage: 'syncing' }> } =>
      s.progress.stage === 'syncing',
  )

describe('GET /api/clients/:client/sync/events', () => {
  it('delivers growing file counts during a POST sync, then validating, before it answers', async () => {
    // Every object takes 60 ms to come: 121 objects, 16 at a time, are about 0.5 s of sync.
    steer.delay = (command) => (command === 'GetObjectCommand' ? 60 : 0)
    fetched = 0
    const seen: Seen[] = []
    const stream = await openSyncEvents('slow', (s) => seen.push(s))
    try {
      expect(stream.status).toBe(200)
      expect(stream.type).toMatch(/^text\/event-stream/)
      const answered = await rawRequest(server.port, '/api/clients/slow/sync', { method: 'POST' })
      expect(answered.status).toBe(200)
      const seenBeforeAnswer = seen.length
      steer.delay = () => 0

      const steps = counting(seen)
      const during = steps.filter((s) => s.fetched < OBJECTS)
      // Throttled, yet several counts while the files were still coming.
      expect(new Set(during.map((s) => s.progress.filesDone)).size).toBeGreaterThanOrEqual(2)
      expect(steps.length).toBeLessThan(OBJECTS)
      const counts = steps.map((s) => s.progress.filesDone)
      expect(counts).toEqual([...counts].sort((a, b) => a - b))
      expect(steps.every((s) => s.progress.filesTotal === OBJECTS)).toBe(true)
      expect(steps.every((s) => s.progress.client === 'slow')).toBe(true)
      const last = steps.at(-1)?.progress
      expect(last).toMatchObject({ filesDone: OBJECTS })
      expect(last?.bytesDone).toBe(last?.bytesTotal)
      // Validation comes after the last count, and all of it before the POST answered.
      expect(seen.at(-1)?.progress).toEqual({ client: 'slow', stage: 'validating' })
      expect(seenBeforeAnswer).toBe(seen.length)
    } finally {
      steer.delay = () => 0
      stream.req.destroy()
    }
  }, 60_000)

  it('publishes the sync of a training job for the client too', async () => {
    steer.delay = (command) => (command === 'GetObjectCommand' ? 60 : 0)
    fetched = 0
    const seen: Seen[] = []
    const stream = await openSyncEvents('slow-job', (s) => seen.push(s))
    try {
      const started = await rawRequest(server.port, '/api/jobs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client: 'slow-job',
          trainType: 'classification',
          params: { epochs: 1, imageSize: 16 },
        }),
      })
      expect(started.status, started.text).toBe(202)
      // The sync is what this test is about: stop the job once it has passed.
      await until(() => seen.some((s) => s.progress.stage === 'validating'), 30_000)
      await rawRequest(server.port, '/interrupt?bucket_name=slow-job')
      const steps = counting(seen)
      expect(steps.filter((s) => s.fetched < OBJECTS).length).toBeGreaterThanOrEqual(2)
      expect(steps.at(-1)?.progress).toMatchObject({ client: 'slow-job', filesDone: OBJECTS })
    } finally {
      steer.delay = () => 0
      stream.req.destroy()
    }
  }, 60_000)

  it('refuses a client name that is not one, as JSON', async () => {
    const res = await rawRequest(server.port, '/api/clients/Not%20A%20Name!/sync/events')
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.json<{ error: { code: string } }>().error.code).toBe('INVALID_CLIENT_NAME')
  })
})
