import { describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { JOB_STATES, type JobState } from '../../src-shared/job-events'
import { Job, canTransition } from '../../src-main/jobs/job'

const init = {
  id: 'client0-1',
  client: 'client0',
  trainType: 'classification',
  params: DEFAULT_TRAIN_PARAMS,
} as const

function ticking(stepMs: number) {
  let t = Date.parse('2025-01-01T00:00:00.000Z')
  return () => new Date((t += stepMs))
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return err instanceof AppFailure ? err.error.code : 'NOT_AN_APP_FAILURE'
  }
  return undefined
}

describe('job state machine', () => {
  it('allows exactly the forward steps and failing or interrupting from any working state', () => {
    const forward: [JobState, JobState][] = [
      ['queued', 'syncing'],
      ['syncing', 'validating'],
      ['validating', 'training'],
      ['training', 'exporting'],
      ['exporting', 'uploading'],
      ['uploading', 'done'],
    ]
    const working: JobState[] = [
      'queued',
      'syncing',
      'validating',
      'training',
      'exporting',
      'uploading',
    ]
    for (const from of JOB_STATES) {
      for (const to of JOB_STATES) {
        const expected =
          forward.some(([a, b]) => a === from && b === to) ||
          (working.includes(from) && (to === 'failed' || to === 'interrupted'))
        expect(canTransition(from, to), `${from} → ${to}`).toBe(expected)
      }
    }
  })

  it('walks the whole way, one stage event per step, with time spent per stage', () => {
    const job = Job.create(init, ticking(100))
    for (const state of ['syncing', 'validating', 'training', 'exporting', 'uploading'] as const)
      job.transition(state)
    const result = job.finish({ state: 'done', Training: 'Succesfull', Storing: 'Succesfull' })
    const stages = job.log
      .all()
      .filter((e) => e.type === 'stage')
      .map((e) => (e.type === 'stage' ? e.state : ''))
    expect(stages).toEqual([
      'queued',
      'syncing',
      'validating',
      'training',
      'exporting',
      'uploading',
      'done',
    ])
    expect(job.state).toBe('done')
    expect(job.log.last()?.type).toBe('result')
    expect(result).toMatchObject({
      jobId: 'client0-1',
      client: 'client0',
      state: 'done',
      Training: 'Succesfull',
      Storing: 'Succesfull',
    })
    // The log's clock ticks 100 ms per event: each stage lasted exactly one tick.
    expect(result.timings).toEqual({
      queued: 100,
      syncing: 100,
      validating: 100,
      training: 100,
      exporting: 100,
      uploading: 100,
    })
    expect(job.summary().result).toEqual(result)
  })

  it('throws ILLEGAL_TRANSITION for skipped, backward, terminal and repeated moves', () => {
    const job = Job.create(init)
    expect(codeOf(() => job.transition('training'))).toBe('ILLEGAL_TRANSITION')
    expect(codeOf(() => job.transition('done'))).toBe('ILLEGAL_TRANSITION')
    job.transition('syncing')
    expect(codeOf(() => job.transition('queued'))).toBe('ILLEGAL_TRANSITION')
    expect(codeOf(() => job.transition('syncing'))).toBe('ILLEGAL_TRANSITION')
    expect(
      codeOf(() => job.finish({ state: 'done', Training: 'Succesfull', Storing: 'Succesfull' })),
    ).toBe('ILLEGAL_TRANSITION')
    expect(job.state).toBe('syncing')
    job.finish({ state: 'interrupted', Training: 'Interrupted', Storing: 'Skipped' })
    expect(
      codeOf(() => job.finish({ state: 'failed', Training: 'Failed', Storing: 'Skipped' })),
    ).toBe('ILLEGAL_TRANSITION')
    expect(codeOf(() => job.transition('validating'))).toBe('ILLEGAL_TRANSITION')
    expect(job.state).toBe('interrupted')
  })

  it('ends a failed job with an error event, the final stage, then the result carrying the error', () => {
    const job = Job.create(init)
    job.transition('syncing')
    const error = { code: 'BUCKET_NOT_FOUND' as const, message: 'Bucket "x" does not exist' }
    job.finish({ state: 'failed', Training: 'Failed', Storing: 'Skipped', error })
    const tail = job.log.all().slice(-3)
    expect(tail.map((e) => e.type)).toEqual(['error', 'stage', 'result'])
    expect(tail[2]?.type === 'result' && tail[2].result.error).toEqual(error)
  })

  it('lets stage listeners see the new state already', () => {
    const job = Job.create(init)
    const states: string[] = []
    job.log.subscribe((e) => {
      if (e.type === 'stage') states.push(`${e.state}=${job.state}`)
    })
    job.transition('syncing')
    expect(states).toEqual(['queued=queued', 'syncing=syncing'])
  })

  it('comes back from a record in the state it was saved in', () => {
    const job = Job.create(init)
    job.transition('syncing')
    const restored = Job.fromRecord(job.record())
    expect(restored.state).toBe('syncing')
    expect(restored.log.length).toBe(2)
    restored.transition('validating')
    expect(restored.log.last()?.seq).toBe(2)
  })
})
