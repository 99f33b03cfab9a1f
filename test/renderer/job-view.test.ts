// Folding a job's events into what the UI shows: the same result live or replayed.

import { describe, expect, it } from 'vitest'
import type { JobEvent, JobResult } from '../../src-shared/job-events'
import {
  applyJobEvent,
  emptyJobView,
  foldJobEvents,
  remainingMs,
  trainingRemainingMs,
  type StageProgress,
} from '../../src-renderer/jobs/job-view'

const t = (s: number): string => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString()

const log: JobEvent[] = [
  { type: 'stage', seq: 0, at: t(0), state: 'syncing' },
  {
    type: 'progress',
    seq: 1,
    at: t(1),
    stage: 'syncing',
    unit: 'files',
    done: 2,
    total: 10,
    bytesDone: 200,
    bytesTotal: 1000,
  },
  {
    type: 'progress',
    seq: 2,
    at: t(3),
    stage: 'syncing',
    unit: 'files',
    done: 6,
    total: 10,
    bytesDone: 600,
    bytesTotal: 1000,
  },
  { type: 'stage', seq: 3, at: t(4), state: 'training' },
  {
    type: 'epoch',
    seq: 4,
    at: t(6),
    epoch: 1,
    epochs: 4,
    loss: 1.2,
    accuracy: 0.4,
    valLoss: 1.3,
    valAccuracy: 0.35,
    imagesPerSec: 50,
    elapsedMs: 2000,
  },
  { type: 'log', seq: 5, at: t(6), level: 'info', message: 'epoch 1 done' },
  {
    type: 'epoch',
    seq: 6,
    at: t(8),
    epoch: 2,
    epochs: 4,
    loss: 0.8,
    accuracy: 0.6,
    valLoss: 0.9,
    valAccuracy: 0.55,
    imagesPerSec: 50,
    elapsedMs: 4000,
  },
]

describe('job view', () => {
  it('folds stages, progress, epochs and logs', () => {
    const view = foldJobEvents('j1', log)
    expect(view.state).toBe('training')
    expect(view.progress.syncing).toMatchObject({
      done: 6,
      total: 10,
      bytesDone: 600,
      doneAtStart: 2,
    })
    expect(view.epochs.map((e) => e.loss)).toEqual([1.2, 0.8])
    expect(view.logs.map((l) => l.message)).toEqual(['epoch 1 done'])
    expect(view.lastSeq).toBe(6)
  })

  it('gives the same view whatever order the stored events come in', () => {
    expect(foldJobEvents('j1', [...log].reverse())).toEqual(foldJobEvents('j1', log))
  })

  it('ignores events it has already seen (a reconnecting stream replays the log)', () => {
    const view = foldJobEvents('j1', log)
    const replayed = log.reduce(applyJobEvent, view)
    expect(replayed).toBe(view)
  })

  it('replaces an epoch reported again instead of adding a second point', () => {
    const view = foldJobEvents('j1', log)
    const again = applyJobEvent(view, {
      ...(log[6] as JobEvent & { type: 'epoch' }),
      seq: 7,
      loss: 0.7,
    })
    expect(again.epochs.map((e) => [e.epoch, e.loss])).toEqual([
      [1, 1.2],
      [2, 0.7],
    ])
  })

  it('keeps what a queued job waits for until it leaves the queue', () => {
    const queued: JobEvent[] = [
      { type: 'stage', seq: 0, at: t(0), state: 'queued', jobId: 'j1', client: 'c' },
      {
        type: 'queued',
        seq: 1,
        at: t(0),
        waitingFor: { kind: 'slot', concurrency: 1, running: ['client0'] },
        message: 'waiting for a free training slot (concurrency 1; running: client0)',
      },
    ]
    const waiting = foldJobEvents('j1', queued)
    expect(waiting.state).toBe('queued')
    expect(waiting.waitingFor).toBe(
      'waiting for a free training slot (concurrency 1; running: client0)',
    )
    const running = applyJobEvent(waiting, {
      type: 'stage',
      seq: 2,
      at: t(1),
      state: 'syncing',
    })
    expect(running.waitingFor).toBeUndefined()
  })

  it('takes the error and report from the result', () => {
    const result = {
      jobId: 'j1',
      client: 'c',
      state: 'failed',
      Training: 'Failed',
      Storing: 'Skipped',
      timings: {},
      error: { code: 'ANNOTATIONS_INVALID', message: 'bad' },
    } as JobResult
    const view = applyJobEvent(emptyJobView('j1'), { type: 'result', seq: 0, at: t(0), result })
    expect(view.error?.code).toBe('ANNOTATIONS_INVALID')
    expect(view.result).toBe(result)
  })

  it('estimates the time left from the rate since the stage started', () => {
    const view = foldJobEvents('j1', log)
    // 4 files in 2 s since the first report, 4 left.
    expect(remainingMs(view.progress.syncing as StageProgress)).toBe(2000)
    // 2 epochs took 4 s, 2 more to go.
    expect(trainingRemainingMs(view)).toBe(4000)
    expect(trainingRemainingMs(emptyJobView('j'))).toBeUndefined()
  })

  it('keeps the batch clock while the count grows across epochs', () => {
    const batches: JobEvent[] = [
      {
        type: 'progress',
        seq: 0,
        at: t(0),
        stage: 'training',
        unit: 'batches',
        done: 2,
        total: 30,
        epoch: 1,
      },
      {
        type: 'progress',
        seq: 1,
        at: t(4),
        stage: 'training',
        unit: 'batches',
        done: 10,
        total: 30,
        epoch: 2,
      },
    ]
    const view = foldJobEvents('j', batches)
    expect(view.progress.training).toMatchObject({
      epoch: 2,
      doneAtStart: 2,
      startedAt: Date.parse(t(0)),
    })
    // 8 batches in 4 s, 20 left.
    expect(remainingMs(view.progress.training as StageProgress)).toBe(10_000)
  })

  it('restarts the batch clock when a per-epoch count starts over', () => {
    const batches: JobEvent[] = [
      {
        type: 'progress',
        seq: 0,
        at: t(0),
        stage: 'training',
        unit: 'batches',
        done: 2,
        total: 10,
        epoch: 1,
      },
      {
        type: 'progress',
        seq: 1,
        at: t(4),
        stage: 'training',
        unit: 'batches',
        done: 10,
        total: 10,
        epoch: 1,
      },
      {
        type: 'progress',
        seq: 2,
        at: t(5),
        stage: 'training',
        unit: 'batches',
        done: 1,
        total: 10,
        epoch: 2,
      },
    ]
    const view = foldJobEvents('j', batches)
    expect(view.progress.training).toMatchObject({
      epoch: 2,
      done: 1,
      doneAtStart: 1,
      startedAt: Date.parse(t(5)),
    })
    expect(remainingMs(view.progress.training as StageProgress)).toBeUndefined()
  })
})
