// Ends a fleet job from outside the worker that ran it (taken off the queue, or its worker lost):
// the job is rebuilt from its stream, finished by the same state machine, and the new events are
// appended at their places. If another writer got there first, the first place is taken and
// nothing is written: a job has one ending.

import type { Redis } from 'ioredis'
import type { JobEnding } from '../jobs/job'
import { appendJobEvent } from './job-event-stream'
import { loadFleetJob, type FleetJobData } from './fleet-job-data'

export async function finishFleetJob(
  redis: Redis,
  jobId: string,
  data: FleetJobData,
  ending: JobEnding | ((state: string) => JobEnding),
): Promise<boolean> {
  const job = await loadFleetJob(redis, { ...data, id: jobId })
  if (job.terminal) return false
  const from = job.log.length
  job.finish(typeof ending === 'function' ? ending(job.state) : ending)
  for (const event of job.log.all().slice(from))
    if (!(await appendJobEvent(redis, jobId, event))) return false
  return true
}
