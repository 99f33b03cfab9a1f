// The job activity a person watching the headless server's terminal sees: one line when a job
// starts, one per stage it enters and one when it ends (with the error code when it failed), so
// the terminal says what the server is doing without reading the run history.

import { validationScore } from '../../src-shared/tasks/task-metrics'
import type { JobEvent, JobResult } from '../../src-shared/job-events'
import type { Job } from './job'
import type { JobService } from './job-service'

/** One terminal line for this event of the job, or undefined for events the terminal skips. */
export function jobActivityLine(
  job: Pick<Job, 'id' | 'client'>,
  event: JobEvent,
): string | undefined {
  const head = `${event.at} ${job.client} ${job.id}`
  if (event.type === 'stage') {
    if (event.state === 'queued') return `${head} started`
    // The end has its own line, with the result.
    if (event.state === 'done' || event.state === 'failed' || event.state === 'interrupted')
      return undefined
    return `${head} ${event.state}`
  }
  if (event.type === 'result') return `${head} ${resultText(event.result)}`
  return undefined
}

function resultText(result: JobResult): string {
  if (result.state === 'failed') {
    const error = result.error
    return error ? `failed ${error.code}: ${error.message}` : 'failed'
  }
  if (result.state === 'interrupted') return 'interrupted'
  const parts = [`done (training ${result.Training}, storing ${result.Storing})`]
  const metrics = result.metrics
  if (metrics?.task === 'obj_detection')
    parts.push(`val mAP@.5 ${(validationScore(metrics) * 100).toFixed(1)}%`)
  else if (metrics?.task === 'instance_segmentation')
    parts.push(`val mask mAP@.5 ${(validationScore(metrics) * 100).toFixed(1)}%`)
  else if (metrics !== undefined)
    parts.push(`val accuracy ${(metrics.finalValAccuracy * 100).toFixed(1)}%`)
  if (result.modelBucket && result.Storing === 'Succesfull')
    parts.push(`model in ${result.modelBucket}`)
  return parts.join(', ')
}

/** Writes the activity of every job the service creates from now on; returns the stop function. */
export function reportJobActivity(
  jobs: Pick<JobService, 'onNewJob'>,
  write: (line: string) => void,
): () => void {
  const unsubscribes = new Set<() => void>()
  const stopNew = jobs.onNewJob((job) => {
    // The log replays synchronously inside subscribe(), before its return value exists.
    const subscription = { ended: false, unsubscribe: (): void => undefined }
    subscription.unsubscribe = job.log.subscribe((event) => {
      const line = jobActivityLine(job, event)
      if (line) write(line)
      if (event.type !== 'result') return
      subscription.ended = true
      subscription.unsubscribe()
      unsubscribes.delete(subscription.unsubscribe)
    })
    if (subscription.ended) subscription.unsubscribe()
    else unsubscribes.add(subscription.unsubscribe)
  })
  return () => {
    stopNew()
    for (const unsubscribe of unsubscribes) unsubscribe()
    unsubscribes.clear()
  }
}
