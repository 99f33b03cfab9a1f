// A job's event stream on a real Redis: events come back in order from any seq, and a place that
// is taken stays with its first writer, so a job ends once even when two processes end it.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobEvent } from '../../src-shared/job-events'
import { fleetConnection } from '../../src-main/fleet/fleet-keys'
import { appendJobEvent, readJobEvents, waitJobEvents } from '../../src-main/fleet/job-event-stream'
import { startRedis, type RedisServer } from './fleet-fixture'

let dir: string
let server: RedisServer
let redis: Redis

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts-fleet-stream-'))
  server = await startRedis(dir)
  redis = fleetConnection(server.url, 'test')
})

afterAll(async () => {
  redis?.disconnect()
  await server?.stop()
  await rm(dir, { recursive: true, force: true })
})

const log = (seq: number, message: string): JobEvent => ({
  type: 'log',
  level: 'info',
  message,
  seq,
  at: new Date(0).toISOString(),
})

describe('job event stream', () => {
  it('keeps events in order and the first writer of each place', async () => {
    expect(await appendJobEvent(redis, 'job-a', log(0, 'first'))).toBe(true)
    expect(await appendJobEvent(redis, 'job-a', log(1, 'worker'))).toBe(true)
    // Someone else ending the job at a place the worker already wrote is refused.
    expect(await appendJobEvent(redis, 'job-a', log(1, 'lost'))).toBe(false)
    expect(await appendJobEvent(redis, 'job-a', log(2, 'third'))).toBe(true)
    const all = await readJobEvents(redis, 'job-a')
    expect(all.map((event) => (event.type === 'log' ? event.message : ''))).toEqual([
      'first',
      'worker',
      'third',
    ])
    expect((await readJobEvents(redis, 'job-a', 2)).map((event) => event.seq)).toEqual([2])
  })

  it('wakes a blocked reader with the events from the seq it waits for', async () => {
    const reader = redis.duplicate()
    try {
      const waiting = waitJobEvents(reader, 'job-b', 0, 5000)
      await new Promise((resolve) => setTimeout(resolve, 100))
      await appendJobEvent(redis, 'job-b', log(0, 'hello'))
      expect((await waiting).map((event) => event.seq)).toEqual([0])
      expect(await waitJobEvents(reader, 'job-b', 1, 100)).toEqual([])
    } finally {
      reader.disconnect()
    }
  })
})
