// One job's append-only event log: it gives every event its place (seq) and time (at), and lets
// readers subscribe with the whole log replayed first, then live events, so a late reader (a
// second browser tab, the run history, the UI after a reload) sees exactly what an early one saw.

import type { JobEvent, JobEventInput } from '../../src-shared/job-events'

export type JobEventListener = (event: JobEvent) => void

export class EventLog {
  private readonly events: JobEvent[]
  private readonly listeners = new Set<JobEventListener>()

  constructor(
    initial: readonly JobEvent[] = [],
    private readonly now: () => Date = () => new Date(),
  ) {
    this.events = [...initial]
  }

  get length(): number {
    return this.events.length
  }

  /** A copy, so callers cannot rewrite history. */
  all(): JobEvent[] {
    return [...this.events]
  }

  last(): JobEvent | undefined {
    return this.events[this.events.length - 1]
  }

  append(input: JobEventInput): JobEvent {
    const event = { ...input, seq: this.events.length, at: this.now().toISOString() } as JobEvent
    this.events.push(event)
    for (const listener of [...this.listeners]) deliver(listener, event)
    return event
  }

  /**
   * Adds an event another process already numbered and timed (a fleet worker's, read back from
   * Redis); one that is not the next in order is ignored, so a re-read never doubles an event.
   */
  appendRecorded(event: JobEvent): boolean {
    if (event.seq !== this.events.length) return false
    this.events.push(event)
    for (const listener of [...this.listeners]) deliver(listener, event)
    return true
  }

  /**
   * Replays events from `fromSeq` on, then delivers new ones as they are appended. Replay and
   * registration happen in one synchronous step, so no event can fall between them.
   */
  subscribe(listener: JobEventListener, fromSeq = 0): () => void {
    // Index-based: a listener may append while it is being replayed to.
    for (let i = Math.max(0, fromSeq); i < this.events.length; i++) {
      deliver(listener, this.events[i] as JobEvent)
    }
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  get subscriberCount(): number {
    return this.listeners.size
  }
}

// A broken reader (a closed socket, a buggy UI) must not stop the job or starve other readers.
function deliver(listener: JobEventListener, event: JobEvent): void {
  try {
    listener(event)
  } catch (err) {
    console.error('job event listener failed:', err)
  }
}
