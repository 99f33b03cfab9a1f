// Each fleet job's event log as a Redis stream: every server instance and UI reads the same
// ordered events, and a server restarted mid-job reads them again from the start. An event's
// stream id is `<seq + 1>-0`: Redis refuses an id not above the stream's last one, so two writers
// racing for the same place (a worker and whoever reports it lost) can never both land there.

import type { Redis } from 'ioredis'
import type { JobEvent } from '../../src-shared/job-events'
import { eventStreamKey } from './fleet-keys'

/** How long an ended job's events stay in Redis (its run record stays on each server's disk). */
const ENDED_STREAM_TTL_S = 7 * 24 * 3600
const FIELD = 'event'

function entryId(seq: number): string {
  return `${seq + 1}-0`
}

/** Appends the event at its place; false when that place is already taken (someone else wrote it). */
export async function appendJobEvent(
  redis: Redis,
  jobId: string,
  event: JobEvent,
): Promise<boolean> {
  const key = eventStreamKey(jobId)
  try {
    await redis.xadd(key, entryId(event.seq), FIELD, JSON.stringify(event))
  } catch (err) {
    if (err instanceof Error && /equal or smaller/i.test(err.message)) return false
    throw err
  }
  if (event.type === 'result') await redis.expire(key, ENDED_STREAM_TTL_S)
  return true
}

function eventsOf(entries: [id: string, fields: string[]][]): JobEvent[] {
  const events: JobEvent[] = []
  for (const [, fields] of entries) {
    const at = fields.indexOf(FIELD)
    const text = at >= 0 ? fields[at + 1] : undefined
    if (text !== undefined) events.push(JSON.parse(text) as JobEvent)
  }
  return events
}

/** The job's events from seq `fromSeq` on, as they are now. */
export async function readJobEvents(redis: Redis, jobId: string, fromSeq = 0): Promise<JobEvent[]> {
  return eventsOf(await redis.xrange(eventStreamKey(jobId), entryId(fromSeq), '+'))
}

/** Waits up to blockMs for the job's events from seq `nextSeq` on. XREAD BLOCK holds `reader`. */
export async function waitJobEvents(
  reader: Redis,
  jobId: string,
  nextSeq: number,
  blockMs: number,
): Promise<JobEvent[]> {
  const reply = (await reader.xread(
    'BLOCK',
    blockMs,
    'STREAMS',
    eventStreamKey(jobId),
    `${nextSeq}-0`,
  )) as [key: string, entries: [string, string[]][]][] | null
  return reply ? eventsOf(reply[0]?.[1] ?? []) : []
}

export async function dropJobEvents(redis: Redis, jobId: string): Promise<void> {
  await redis.del(eventStreamKey(jobId))
}
