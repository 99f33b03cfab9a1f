import { describe, expect, it } from 'vitest'
import type { JobEvent } from '../../src-shared/job-events'
import { EventLog } from '../../src-main/jobs/event-log'

function clock(start = Date.parse('2025-01-01T00:00:00.000Z')) {
  let t = start
  return () => new Date((t += 10))
}

describe('EventLog', () => {
  it('gives events consecutive seq numbers and the time they were appended', () => {
    const log = new EventLog([], clock())
    const a = log.append({ type: 'stage', state: 'queued' })
    const b = log.append({ type: 'log', level: 'info', message: 'hello' })
    expect([a.seq, b.seq]).toEqual([0, 1])
    expect(a.at).toBe('2025-01-01T00:00:00.010Z')
    expect(b.at).toBe('2025-01-01T00:00:00.020Z')
    expect(log.all()).toEqual([a, b])
    expect(log.length).toBe(2)
  })

  it('replays the whole log to a late subscriber, then delivers live events in order', () => {
    const log = new EventLog()
    log.append({ type: 'stage', state: 'queued' })
    log.append({ type: 'stage', state: 'syncing' })
    const seen: number[] = []
    const unsubscribe = log.subscribe((e) => seen.push(e.seq))
    expect(seen).toEqual([0, 1])
    log.append({ type: 'log', level: 'info', message: 'live' })
    expect(seen).toEqual([0, 1, 2])
    unsubscribe()
    log.append({ type: 'log', level: 'info', message: 'after' })
    expect(seen).toEqual([0, 1, 2])
    expect(log.subscriberCount).toBe(0)
  })

  it('replays from a given seq (a reconnecting reader)', () => {
    const log = new EventLog()
    for (let i = 0; i < 5; i++) log.append({ type: 'log', level: 'info', message: `m${i}` })
    const seen: number[] = []
    log.subscribe((e) => seen.push(e.seq), 3)
    expect(seen).toEqual([3, 4])
  })

  it('misses nothing when a listener appends while being replayed to', () => {
    const log = new EventLog()
    log.append({ type: 'stage', state: 'queued' })
    const seen: JobEvent[] = []
    log.subscribe((e) => {
      seen.push(e)
      if (e.seq === 0) log.append({ type: 'log', level: 'info', message: 'from replay' })
    })
    expect(seen.map((e) => e.seq)).toEqual([0, 1])
  })

  it('keeps delivering to other listeners when one throws', () => {
    const log = new EventLog()
    const seen: number[] = []
    const original = console.error
    console.error = () => {}
    try {
      log.subscribe(() => {
        throw new Error('broken reader')
      })
      log.subscribe((e) => seen.push(e.seq))
      log.append({ type: 'stage', state: 'queued' })
    } finally {
      console.error = original
    }
    expect(seen).toEqual([0])
  })

  it('hands out copies, so callers cannot rewrite the log', () => {
    const log = new EventLog()
    log.append({ type: 'stage', state: 'queued' })
    log.all().pop()
    expect(log.length).toBe(1)
  })
})
