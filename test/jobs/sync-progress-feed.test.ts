// The per-client sync progress feed: a late subscriber gets the current step, an ended sync leaves
// nothing to catch up on, clients stay apart, and a training job's sync steps are published.

import { describe, expect, it } from 'vitest'
import type { SyncProgress } from '../../src-shared/sync-progress'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { Job } from '../../src-main/jobs/job'
import { SyncProgressFeed } from '../../src-main/jobs/sync-progress-feed'

const step = (client: string, filesDone: number): SyncProgress => ({
  client,
  stage: 'syncing',
  filesDone,
  filesTotal: 4,
  bytesDone: filesDone * 10,
  bytesTotal: 40,
})

describe('sync progress feed', () => {
  it('sends the current step to a late subscriber, and nothing once the sync ended', () => {
    const feed = new SyncProgressFeed()
    const early: SyncProgress[] = []
    const stopEarly = feed.subscribe('a', (p) => early.push(p))
    feed.publish(step('a', 1))
    feed.publish(step('b', 3))
    const late: SyncProgress[] = []
    const stopLate = feed.subscribe('a', (p) => late.push(p))
    feed.publish(step('a', 2))
    expect(early).toEqual([step('a', 1), step('a', 2)])
    expect(late).toEqual([step('a', 1), step('a', 2)])
    feed.end('a')
    const after: SyncProgress[] = []
    feed.subscribe('a', (p) => after.push(p))()
    expect(after).toEqual([])
    stopEarly()
    stopLate()
    expect(feed.subscriberCount()).toBe(0)
  })

  it("publishes a training job's sync steps and validation, and ends with the sync", () => {
    const feed = new SyncProgressFeed()
    const job = Job.create({
      id: 'client0-1',
      client: 'client0',
      trainType: 'classification',
      params: DEFAULT_TRAIN_PARAMS,
    })
    feed.follow(job)
    const seen: SyncProgress[] = []
    feed.subscribe('client0', (p) => seen.push(p))
    job.transition('syncing')
    job.append({
      type: 'progress',
      stage: 'syncing',
      unit: 'files',
      done: 1,
      total: 4,
      bytesDone: 10,
      bytesTotal: 40,
    })
    job.transition('validating')
    job.transition('training')
    job.append({ type: 'progress', stage: 'training', unit: 'batches', done: 1, total: 9 })
    expect(seen).toEqual([step('client0', 1), { client: 'client0', stage: 'validating' }])
    const late: SyncProgress[] = []
    feed.subscribe('client0', (p) => late.push(p))
    expect(late).toEqual([])
  })
})
