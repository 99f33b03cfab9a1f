// The seed's two routes and one beside them. `GET /progress` starts the client's job (or joins
// the one it has), waits until the dataset has passed validation, then streams the job's log
// (NDJSON, or SSE for `Accept: text/event-stream`) ending with the result. A job that fails before
// training (bucket missing, annotations invalid) is answered with its error status instead, e.g.
// 422 with the report. `GET /interrupt` stops the client's job; `GET /retry-upload` sends a model
// whose upload failed.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { appError } from '../../src-shared/errors'
import type { Job } from '../jobs/job'
import type { JobService } from '../jobs/job-service'
import { isBrowserNavigation, wantsEventStream } from './content-negotiation'
import { streamJobEvents } from './event-streams'
import { parseInterruptQuery, parseProgressQuery, parseRetryQuery } from './progress-query'
import { sendError, sendJson } from './responses'
import type { ServerContext } from './server-context'

export async function handleProgress(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: ServerContext,
): Promise<void> {
  const jobs = ctx.core.jobs
  const query = parseProgressQuery(url.searchParams, jobs.settings.bucketPrefix)
  // An EventSource reconnecting after the job ended must not start a fresh training run.
  if (req.headers['last-event-id'] !== undefined && !jobs.activeJob(query.client)) {
    res.writeHead(204).end()
    return
  }
  const { job } = jobs.start({
    client: query.client,
    trainType: query.trainType,
    params: query.params,
    ...(query.promote !== undefined && { promote: query.promote }),
  })
  if (!query.wait) {
    sendJson(res, 202, { jobId: job.id, client: job.client, state: job.state })
    return
  }
  const outcome = await validationOutcome(job, res)
  if (outcome === 'gone') return
  if (outcome === 'ended' && job.state === 'failed' && job.result) {
    const result = job.result
    sendError(res, result.error ?? appError('INTERNAL', `job ${job.id} failed`), {
      ...(result.report && { report: result.report }),
      result,
    })
    return
  }
  streamJob(req, res, job.id, ctx)
}

/**
 * `GET /retry-upload?bucket_name=<client>`: uploads the client's trained model whose upload
 * failed, without training again, and streams that job like /progress does.
 */
export async function handleRetryUpload(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: ServerContext,
): Promise<void> {
  const jobs = ctx.core.jobs
  const query = parseRetryQuery(url.searchParams, jobs.settings.bucketPrefix)
  const { job } = await jobs.retryUpload(
    { client: query.client },
    query.promote !== undefined ? { promote: query.promote } : {},
  )
  if (!query.wait) {
    sendJson(res, 202, {
      jobId: job.id,
      client: job.client,
      state: job.state,
      retryOf: job.retryOf,
    })
    return
  }
  streamJob(req, res, job.id, ctx)
}

export async function handleInterrupt(
  _req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: ServerContext,
): Promise<void> {
  const jobs: JobService = ctx.core.jobs
  const { client } = parseInterruptQuery(url.searchParams, jobs.settings.bucketPrefix)
  const summary = await jobs.interruptAndWait(client)
  if (!summary) {
    sendError(
      res,
      appError('NO_ACTIVE_JOB', `client ${client} has no job to interrupt`, {
        field: 'bucket_name',
      }),
    )
    return
  }
  sendJson(res, 200, summary)
}

/**
 * 'passed' once the job reaches training (the dataset passed validation), 'ended' when it ended
 * before that, 'gone' when the caller hung up while waiting.
 */
function validationOutcome(job: Job, res: ServerResponse): Promise<'passed' | 'ended' | 'gone'> {
  return new Promise((resolve) => {
    let settled = false
    const subscription: { stop?: () => void } = {}
    const finish = (passed: 'passed' | 'ended' | 'gone') => {
      if (settled) return
      settled = true
      subscription.stop?.()
      res.off('close', onClose)
      resolve(passed)
    }
    const onClose = () => finish('gone')
    res.on('close', onClose)
    subscription.stop = job.log.subscribe((event) => {
      if (event.type !== 'stage') return
      if (event.state === 'training') finish('passed')
      else if (event.state === 'done' || event.state === 'failed' || event.state === 'interrupted')
        finish('ended')
    })
    if (settled) subscription.stop()
  })
}

/** Streams one job's log in the format the caller reads: SSE, plain text for a browser tab, NDJSON. */
function streamJob(req: IncomingMessage, res: ServerResponse, jobId: string, ctx: ServerContext) {
  streamJobEvents(res, (listener) => ctx.core.jobs.subscribe(jobId, listener), {
    format: wantsEventStream(req) ? 'sse' : isBrowserNavigation(req) ? 'text' : 'ndjson',
    open: ctx.openStreams,
  })
}
