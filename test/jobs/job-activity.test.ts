// The terminal's job lines: start, each working stage, and one end line saying how it ended.

import { describe, expect, it } from 'vitest'
import { appError } from '../../src-shared/errors'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { Job } from '../../src-main/jobs/job'
import { reportJobActivity } from '../../src-main/jobs/job-activity'
import { SEGMENTATION_RUN } from '../fixtures/segmentation-run'

function newJob(): Job {
  return Job.create({
    id: 'client0-1',
    client: 'client0',
    trainType: 'classification',
    params: DEFAULT_TRAIN_PARAMS,
  })
}

/** A stand-in for the job service: reportJobActivity only needs its new-job hook. */
function fakeService() {
  let listener: ((job: Job) => void) | undefined
  return {
    onNewJob(l: (job: Job) => void) {
      listener = l
      return () => {
        listener = undefined
      }
    },
    create(job: Job) {
      listener?.(job)
    },
  }
}

describe('job activity lines', () => {
  it('one line for the start, each stage and the end with the code of a failure', () => {
    const service = fakeService()
    const lines: string[] = []
    reportJobActivity(service, (line) => lines.push(line))
    const job = newJob()
    service.create(job)
    job.transition('syncing')
    job.append({ type: 'log', level: 'info', message: 'not a line of its own' })
    job.finish({
      state: 'failed',
      Training: 'Failed',
      Storing: 'Skipped',
      error: appError('BUCKET_NOT_FOUND', 'no bucket'),
    })
    expect(lines.map((line) => line.split(' ').slice(1).join(' '))).toEqual([
      'client0 client0-1 started',
      'client0 client0-1 syncing',
      'client0 client0-1 failed BUCKET_NOT_FOUND: no bucket',
    ])
  })

  it('says interrupted, and nothing more once stopped', () => {
    const service = fakeService()
    const lines: string[] = []
    const stop = reportJobActivity(service, (line) => lines.push(line))
    const job = newJob()
    service.create(job)
    job.finish({ state: 'interrupted', Training: 'Interrupted', Storing: 'Skipped' })
    expect(lines.at(-1)).toMatch(/ client0-1 interrupted$/)
    stop()
    service.create(newJob())
    expect(lines).toHaveLength(2)
  })
})

describe('the end line of a segmentation run', () => {
  it("says its mask mAP@.5 from COCOeval on masks, not its boxes' nor an accuracy", () => {
    const service = fakeService()
    const lines: string[] = []
    reportJobActivity(service, (line) => lines.push(line))
    const job = Job.create({
      id: 'client3-1',
      client: 'client3',
      trainType: 'instance_segmentation',
      params: DEFAULT_TRAIN_PARAMS,
    })
    service.create(job)
    for (const state of ['syncing', 'validating', 'training', 'exporting', 'uploading'] as const)
      job.transition(state)
    job.finish({
      state: 'done',
      Training: 'Succesfull',
      Storing: 'Skipped',
      metrics: SEGMENTATION_RUN,
    })
    expect(lines.at(-1)).toMatch(/done \(training .*\), val mask mAP@\.5 87\.1%$/)
  })
})
