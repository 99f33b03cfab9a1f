// What a fleet job carries in BullMQ (the request, as the server resolved it) and how any process
// rebuilds the job from that and the job's event stream: a worker to run it, a server to follow it.

import type { Redis } from 'ioredis'
import {
  isTerminal,
  type JobEvent,
  type JobRecord,
  type JobState,
} from '../../src-shared/job-events'
import type { PromotePolicy, TrainParams, TrainType } from '../../src-shared/train-params'
import { Job } from '../jobs/job'
import { readJobEvents } from './job-event-stream'

export interface FleetJobData {
  id: string
  client: string
  trainType: TrainType
  params: TrainParams
  given: (keyof TrainParams)[]
  promote?: PromotePolicy
  createdAt: string
}

export function fleetJobData(job: Job): FleetJobData {
  return {
    id: job.id,
    client: job.client,
    trainType: job.trainType,
    params: job.params,
    given: [...job.given],
    promote: job.promote,
    createdAt: job.createdAt,
  }
}

/** The state the events leave the job in (queued before any). */
export function stateOf(events: readonly JobEvent[]): JobState {
  let state: JobState = 'queued'
  for (const event of events) {
    if (event.type === 'stage') state = event.state
    if (event.type === 'result') state = event.result.state
  }
  return state
}

/** The job as its events so far say it is; its log continues from there. */
export function jobFromEvents(data: FleetJobData, events: JobEvent[]): Job {
  const result = events.find((event) => event.type === 'result')?.result
  const state = stateOf(events)
  const record: JobRecord & { given: (keyof TrainParams)[]; promote?: PromotePolicy } = {
    id: data.id,
    client: data.client,
    trainType: data.trainType,
    params: data.params,
    given: data.given,
    ...(data.promote !== undefined && { promote: data.promote }),
    state,
    createdAt: data.createdAt,
    updatedAt: events[events.length - 1]?.at ?? data.createdAt,
    ...(result !== undefined && isTerminal(state) && { result }),
    events,
  }
  return Job.fromRecord(record)
}

export async function loadFleetJob(redis: Redis, data: FleetJobData): Promise<Job> {
  return jobFromEvents(data, await readJobEvents(redis, data.id))
}
