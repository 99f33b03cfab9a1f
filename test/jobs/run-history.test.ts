import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { JobRecord } from '../../src-shared/job-events'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { Job } from '../../src-main/jobs/job'
import { RunHistory } from '../../src-main/jobs/run-history'
import {
  classificationEpoch,
  classificationMetrics,
  taskOfMetrics,
} from '../../src-shared/tasks/task-metrics'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts-runs-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const newJob = (id: string) =>
  Job.create({ id, client: 'client0', trainType: 'classification', params: DEFAULT_TRAIN_PARAMS })

async function readRecord(id: string): Promise<JobRecord> {
  return JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as JobRecord
}

describe('RunHistory', () => {
  it('saves a job with its events and result, and leaves no temp files behind', async () => {
    const history = new RunHistory(dir)
    const job = newJob('client0-a')
    history.track(job)
    job.transition('syncing')
    job.append({ type: 'log', level: 'info', message: 'hello' })
    job.finish({
      state: 'failed',
      Training: 'Failed',
      Storing: 'Skipped',
      error: { code: 'INTERNAL', message: 'x' },
    })
    await history.flush()
    const record = await readRecord('client0-a')
    expect(record.state).toBe('failed')
    expect(record.params).toEqual(DEFAULT_TRAIN_PARAMS)
    expect(record.events.map((e) => e.type)).toEqual([
      'stage',
      'stage',
      'log',
      'error',
      'stage',
      'result',
    ])
    expect(record.result?.error?.code).toBe('INTERNAL')
    expect(await readdir(dir)).toEqual(['client0-a.json'])
    await history.close()
  })

  it('writes stage changes at once but throttles progress events', async () => {
    const history = new RunHistory(dir, 300)
    const job = newJob('client0-b')
    history.track(job)
    job.transition('syncing')
    await history.flush()
    for (let i = 0; i < 50; i++)
      job.append({ type: 'progress', stage: 'syncing', unit: 'files', done: i, total: 50 })
    // Within the throttle window the file still holds the state written at the stage change.
    await new Promise((r) => setTimeout(r, 50))
    expect((await readRecord('client0-b')).events).toHaveLength(2)
    // After the window the throttled write happens, with every event. Its timer fires at 300 ms,
    // but on a loaded machine the atomic write itself can take longer: wait for it, up to 5 s.
    const waitedUntil = Date.now() + 5_000
    while ((await readRecord('client0-b')).events.length !== 52 && Date.now() < waitedUntil)
      await new Promise((r) => setTimeout(r, 50))
    expect((await readRecord('client0-b')).events).toHaveLength(52)
    job.transition('validating')
    await history.flush()
    expect((await readRecord('client0-b')).state).toBe('validating')
    await history.close()
  })

  it('never lets a reader see a half-written file', async () => {
    const history = new RunHistory(dir, 0)
    const job = newJob('client0-c')
    history.track(job)
    let reading = true
    let reads = 0
    const reader = (async () => {
      while (reading) {
        const text = await readFile(join(dir, 'client0-c.json'), 'utf8').catch(() => undefined)
        if (text !== undefined) {
          expect(() => JSON.parse(text)).not.toThrow()
          reads++
        }
      }
    })()
    for (let i = 0; i < 300; i++) {
      job.append({ type: 'log', level: 'info', message: `line ${i} ${'x'.repeat(200)}` })
      if (i % 20 === 0) await history.flush()
    }
    await history.flush()
    reading = false
    await reader
    expect(reads).toBeGreaterThan(0)
    expect((await readRecord('client0-c')).events).toHaveLength(301)
    await history.close()
  })

  it('on load, ends jobs the app stopped in as interrupted with APP_STOPPED, and keeps finished ones', async () => {
    const first = new RunHistory(dir)
    const running = newJob('client0-running')
    const finished = newJob('client0-finished')
    first.track(running)
    first.track(finished)
    running.transition('syncing')
    running.transition('validating')
    running.transition('training')
    finished.finish({ state: 'interrupted', Training: 'Interrupted', Storing: 'Skipped' })
    await first.close()
    await writeFile(join(dir, 'garbage.json'), '{ not json')

    const second = new RunHistory(dir)
    const jobs = await second.load()
    expect(jobs.map((j) => j.id).sort()).toEqual(['client0-finished', 'client0-running'])
    const restored = jobs.find((j) => j.id === 'client0-running')
    expect(restored?.state).toBe('interrupted')
    const tail = restored?.log.all().slice(-3) ?? []
    expect(tail.map((e) => e.type)).toEqual(['error', 'stage', 'result'])
    expect(tail[0]?.type === 'error' && tail[0].error.code).toBe('APP_STOPPED')
    expect(restored?.result?.error?.code).toBe('APP_STOPPED')
    // The closed state is saved, so a third start finds it already ended.
    expect((await readRecord('client0-running')).state).toBe('interrupted')
    const untouched = jobs.find((j) => j.id === 'client0-finished')
    expect(untouched?.log.all().some((e) => e.type === 'error')).toBe(false)
    expect(await second.read('client0-running')).toMatchObject({ state: 'interrupted' })
    expect(await second.read('../etc/passwd')).toBeUndefined()
    await second.close()
  })
})

describe('run records from before detection', () => {
  it('reads a record without trainType or task as a classification run', async () => {
    const fixture = join(__dirname, 'fixtures', 'run-before-tasks.json')
    await writeFile(join(dir, 'mabc123-old1.json'), await readFile(fixture, 'utf8'))
    const history = new RunHistory(dir, 0)
    const record = await history.read('mabc123-old1')
    expect(record?.trainType).toBe('classification')
    const [job] = await history.load()
    expect(job?.trainType).toBe('classification')
    const metrics = record?.result?.metrics
    expect(metrics && taskOfMetrics(metrics)).toBe('classification')
    expect(classificationMetrics(metrics)?.finalValAccuracy).toBe(0.875)
    const epochs = record?.events.filter((e) => e.type === 'epoch') ?? []
    expect(
      epochs.map((e) => (e.type === 'epoch' ? classificationEpoch(e)?.valAccuracy : NaN)),
    ).toEqual([0.6, 0.875])
    await history.close()
  })
})
