// Per-client sync progress for observers such as the dataset screen: a sync (the Sync button's or
// a training job's) publishes its steps here, and a subscriber gets the current step at once and
// then every new one. The steps come already throttled (the mirror reports through
// storage/progress-throttle), so the feed passes them on as they are.

import type { JobEvent } from '../../src-shared/job-events'
import type { SyncProgress } from '../../src-shared/sync-progress'
import type { Job } from './job'

type Listener = (progress: SyncProgress) => void

export class SyncProgressFeed {
  private readonly listeners = new Map<string, Set<Listener>>()
  /** The latest step of each client's sync under way; gone once it ends. */
  private readonly current = new Map<string, SyncProgress>()

  publish(progress: SyncProgress): void {
    this.current.set(progress.client, progress)
    for (const listener of [...(this.listeners.get(progress.client) ?? [])]) listener(progress)
  }

  /** The client's sync has ended: a later subscriber has nothing to catch up on. */
  end(client: string): void {
    this.current.delete(client)
  }

  subscribe(client: string, listener: Listener): () => void {
    let set = this.listeners.get(client)
    if (!set) {
      set = new Set()
      this.listeners.set(client, set)
    }
    const own = set
    own.add(listener)
    const now = this.current.get(client)
    if (now) listener(now)
    return () => {
      own.delete(listener)
      if (own.size === 0 && this.listeners.get(client) === own) this.listeners.delete(client)
    }
  }

  /** Observers of any client, for tests and shutdown checks. */
  subscriberCount(): number {
    return [...this.listeners.values()].reduce((sum, set) => sum + set.size, 0)
  }

  /** Publishes the sync steps of a training job's log as that client's sync progress. */
  follow(job: Job): void {
    const client = job.client
    // The log replays synchronously inside subscribe(), before its return value exists.
    const subscription: { unsubscribe?: () => void; published: boolean; ended: boolean } = {
      published: false,
      ended: false,
    }
    const listener = (event: JobEvent): void => {
      if (subscription.ended) return
      if (event.type === 'progress' && event.stage === 'syncing') {
        subscription.published = true
        this.publish({
          client,
          stage: 'syncing',
          filesDone: event.done,
          filesTotal: event.total,
          bytesDone: event.bytesDone ?? 0,
          bytesTotal: event.bytesTotal ?? 0,
        })
      } else if (event.type === 'stage' && event.state === 'validating') {
        subscription.published = true
        this.publish({ client, stage: 'validating' })
      } else if (
        (event.type === 'stage' && event.state !== 'queued' && event.state !== 'syncing') ||
        event.type === 'result'
      ) {
        // A job that never synced leaves alone what another sync of the client published.
        if (subscription.published) this.end(client)
        subscription.ended = true
        subscription.unsubscribe?.()
      }
    }
    subscription.unsubscribe = job.log.subscribe(listener)
    if (subscription.ended) subscription.unsubscribe()
  }
}
