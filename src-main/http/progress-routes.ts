// The seed's two routes and one beside them. `GET /progress` starts the client's job (or joins
// the one it has) and streams the job's log at once (NDJSON, or SSE for
// `Accept: text/event-stream`), ending with the result. One rule for failures: what is refused
// before a job exists (bad query, unknown train type, bad client name, busy client, guards) is an
// HTTP error `{error}`; once a job exists the answer is a 200 stream and every failure (bucket
// missing, invalid annotations, bad images, backbone, training, upload) is its last line, a result
// with `state: 'failed'` and `error`. `GET /interrupt` stops the client's job; `GET /retry-upload`
// sends a model whose upload failed.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { appError } from '../../src-shared/errors'
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
  const { job } = await jobs.submit({
    client: query.client,
    trainType: query.trainType,
    params: query.params,
    ...(query.promote !== undefined && { promote: query.promote }),
    ...(query.resume !== undefined && { resume: query.resume }),
  })
  if (!query.wait) {
    sendJson(res, 202, { jobId: job.id, client: job.client, state: job.state })
    return
  }
  // Nothing is awaited before the stream opens: the first line (the job's queued stage, with its
  // id and client) reaches the caller while the bucket is still being listed.
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

/** Streams one job's log in the format the caller reads: SSE, plain text for a browser tab, NDJSON. */
function streamJob(req: IncomingMessage, res: ServerResponse, jobId: string, ctx: ServerContext) {
  streamJobEvents(res, (listener) => ctx.core.jobs.subscribe(jobId, listener), {
    format: wantsEventStream(req) ? 'sse' : isBrowserNavigation(req) ? 'text' : 'ndjson',
    open: ctx.openStreams,
  })
}
