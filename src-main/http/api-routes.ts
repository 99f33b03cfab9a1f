// The /api routes the web UI uses (the browser transport of TrainingServerApi): clients, their
// datasets (synced, with the sync's progress) and thumbnails, model files (listed, downloaded,
// tried), and jobs with their live event streams.

import { createReadStream } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { basename } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { AppFailure, appError, toAppError } from '../../src-shared/errors'
import { PREDICT_MAX_BYTES } from '../../src-shared/predictions'
import { checkPredictMediaType, tooLarge } from '../jobs/model-predictor'
import { JOB_ID_PATTERN } from '../jobs/run-history'
import { checkClientName } from '../jobs/train-request'
import { readJsonBody, readRawBody } from './request-body'
import { COMMON_HEADERS, sendError, sendJson } from './responses'
import { handleSettingsApi } from './settings-routes'
import { streamJobEvents } from './event-streams'
import { streamSyncProgress } from './sync-progress-stream'
import type { ServerContext } from './server-context'

interface RouteArgs {
  url: URL
  params: string[]
  ctx: ServerContext
}

type Route = (req: IncomingMessage, res: ServerResponse, args: RouteArgs) => Promise<void>

interface RouteEntry {
  method: 'GET' | 'POST'
  /** Segments after /api; ':' marks a parameter, '*' takes the rest of the path. */
  pattern: string[]
  route: Route
}

const ROUTES: RouteEntry[] = [
  { method: 'GET', pattern: ['clients'], route: listClients },
  { method: 'GET', pattern: ['clients', ':', 'dataset'], route: getDataset },
  { method: 'POST', pattern: ['clients', ':', 'sync'], route: syncDataset },
  { method: 'GET', pattern: ['clients', ':', 'sync', 'events'], route: syncEvents },
  { method: 'GET', pattern: ['clients', ':', 'thumbnails', '*'], route: getThumbnail },
  { method: 'GET', pattern: ['clients', ':', 'models'], route: listModelFiles },
  { method: 'GET', pattern: ['clients', ':', 'models', '*'], route: downloadModelFile },
  { method: 'POST', pattern: ['clients', ':', 'predict'], route: predict },
  { method: 'GET', pattern: ['clients', ':', 'train-defaults'], route: getTrainDefaults },
  { method: 'GET', pattern: ['clients', ':', 'versions'], route: listModelVersions },
  {
    method: 'POST',
    pattern: ['clients', ':', 'models', ':', 'promote'],
    route: promoteModelVersion,
  },
  { method: 'GET', pattern: ['jobs'], route: listJobs },
  { method: 'POST', pattern: ['jobs'], route: startJob },
  { method: 'GET', pattern: ['jobs', ':'], route: getJob },
  { method: 'GET', pattern: ['jobs', ':', 'events'], route: jobEvents },
  { method: 'POST', pattern: ['jobs', ':', 'stop'], route: stopJob },
  { method: 'POST', pattern: ['jobs', ':', 'retry-upload'], route: retryUpload },
  { method: 'POST', pattern: ['jobs', ':', 'discard-checkpoint'], route: discardCheckpoint },
  { method: 'GET', pattern: ['workers'], route: listWorkers },
]

/** Distributed mode: the fleet's workers (host, backend, threads, current job); none otherwise. */
async function listWorkers(_req: IncomingMessage, res: ServerResponse, args: RouteArgs) {
  sendJson(res, 200, await args.ctx.core.workers())
}

async function discardCheckpoint(_req: IncomingMessage, res: ServerResponse, args: RouteArgs) {
  sendJson(res, 200, await args.ctx.core.jobs.discardCheckpoint(jobId(args.params)))
}

/** Matches `segments` (already decoded, after /api) and runs the route. */
export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  segments: string[],
  ctx: ServerContext,
): Promise<void> {
  if (await handleSettingsApi(req, res, segments, ctx)) return
  let pathMatched = false
  for (const entry of ROUTES) {
    const params = match(entry.pattern, segments)
    if (!params) continue
    pathMatched = true
    const method = req.method === 'HEAD' ? 'GET' : req.method
    if (entry.method !== method) continue
    await entry.route(req, res, { url, params, ctx })
    return
  }
  if (pathMatched) {
    res.setHeader(
      'allow',
      ROUTES.filter((e) => match(e.pattern, segments))
        .map((e) => e.method)
        .join(', '),
    )
    sendError(res, appError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here`))
    return
  }
  sendError(res, appError('NOT_FOUND', `no such route: ${url.pathname.slice(0, 200)}`))
}

function match(pattern: string[], segments: string[]): string[] | undefined {
  const params: string[] = []
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i]
    const segment = segments[i]
    if (part === '*') {
      const rest = segments.slice(i).join('/')
      if (rest === '') return undefined
      params.push(rest)
      return params
    }
    if (segment === undefined || segment === '') return undefined
    if (part === ':') params.push(segment)
    else if (part !== segment) return undefined
  }
  return segments.length === pattern.length ? params : undefined
}

function param(params: string[], index: number): string {
  return params[index] ?? ''
}

async function listClients(_req: IncomingMessage, res: ServerResponse, { ctx }: RouteArgs) {
  sendJson(res, 200, await ctx.core.jobs.listClients())
}

async function getDataset(_req: IncomingMessage, res: ServerResponse, { params, ctx }: RouteArgs) {
  sendJson(res, 200, await ctx.core.jobs.getDataset(param(params, 0)))
}

async function getTrainDefaults(
  _req: IncomingMessage,
  res: ServerResponse,
  { params, ctx }: RouteArgs,
) {
  sendJson(res, 200, await ctx.core.jobs.trainDefaults(param(params, 0)))
}

async function syncDataset(_req: IncomingMessage, res: ServerResponse, { params, ctx }: RouteArgs) {
  sendJson(res, 200, await ctx.core.jobs.syncOnly(param(params, 0)))
}

async function syncEvents(_req: IncomingMessage, res: ServerResponse, { params, ctx }: RouteArgs) {
  const jobs = ctx.core.jobs
  // Checked before the stream starts, so a bad name is a plain JSON error, not an empty stream.
  const client = checkClientName(param(params, 0), jobs.settings.bucketPrefix)
  streamSyncProgress(res, (listener) => jobs.onSyncProgress(client, listener), ctx.openStreams)
}

async function getThumbnail(
  req: IncomingMessage,
  res: ServerResponse,
  { url, params, ctx }: RouteArgs,
) {
  const rawSize = url.searchParams.get('size')
  // The thumbnail maker checks the range; anything not a number fails that check.
  const size = rawSize === null ? undefined : Number(rawSize)
  const thumb = await ctx.core.jobs.thumbnail(param(params, 0), param(params, 1), size)
  // Kept a while by the browser, then revalidated by ETag: a re-synced image gets a new one.
  const headers = {
    'cache-control': 'private, max-age=600',
    etag: thumb.etag,
    'x-content-type-options': 'nosniff',
  }
  if (req.headers['if-none-match'] === thumb.etag) {
    res.writeHead(304, headers)
    res.end()
    return
  }
  res.writeHead(200, { ...headers, 'content-type': thumb.contentType })
  createReadStream(thumb.path)
    .on('error', () => res.destroy())
    .pipe(res)
}

async function listModelFiles(
  _req: IncomingMessage,
  res: ServerResponse,
  { params, ctx }: RouteArgs,
) {
  sendJson(res, 200, await ctx.core.jobs.listModelFiles(param(params, 0)))
}

/** Streams one listed model file as an attachment named like its key's last segment. */
async function downloadModelFile(
  req: IncomingMessage,
  res: ServerResponse,
  { params, ctx }: RouteArgs,
) {
  const file = await ctx.core.jobs.openModelFile(param(params, 0), param(params, 1))
  const name = basename(file.key).replace(/[^\w.-]/g, '_')
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'content-type': 'application/octet-stream',
    'content-disposition': `attachment; filename="${name}"`,
    ...(file.bytes !== undefined && { 'content-length': file.bytes }),
  })
  if (req.method === 'HEAD') {
    file.body.destroy()
    res.end()
    return
  }
  await pipeline(file.body, res).catch(() => res.destroy())
}

/** The stored model's top classes for the image in the body (raw bytes, Content-Type image/…). */
async function predict(req: IncomingMessage, res: ServerResponse, { url, params, ctx }: RouteArgs) {
  const contentType = req.headers['content-type'] ?? ''
  const rawTop = url.searchParams.get('top')
  try {
    // The type is checked before reading; the size again while reading, as chunks arrive.
    checkPredictMediaType(contentType)
    const image = await readRawBody(req, PREDICT_MAX_BYTES, tooLarge)
    const top = rawTop === null ? undefined : Number(rawTop)
    sendJson(res, 200, await ctx.core.predictor.predict(param(params, 0), image, contentType, top))
  } catch (err) {
    const code = toAppError(err).code
    // The rest of a body too large is not worth reading: close the connection after answering.
    if (code === 'PAYLOAD_TOO_LARGE' || code === 'UNSUPPORTED_MEDIA_TYPE')
      res.setHeader('connection', 'close')
    // An image that cannot be read is the request's fault here, not a dataset problem (422).
    sendError(res, err, {}, code === 'IMAGE_UNREADABLE' ? 400 : undefined)
  }
}

async function listModelVersions(
  _req: IncomingMessage,
  res: ServerResponse,
  { params, ctx }: RouteArgs,
) {
  sendJson(res, 200, await ctx.core.jobs.listModelVersions(param(params, 0)))
}

async function promoteModelVersion(
  _req: IncomingMessage,
  res: ServerResponse,
  { params, ctx }: RouteArgs,
) {
  sendJson(res, 200, await ctx.core.jobs.promoteModelVersion(param(params, 0), param(params, 1)))
}

async function listJobs(_req: IncomingMessage, res: ServerResponse, { url, ctx }: RouteArgs) {
  const query = url.searchParams
  const limit = query.get('limit')
  sendJson(
    res,
    200,
    ctx.core.jobs.page({
      client: query.get('client') ?? undefined,
      // Anything but a whole number is refused by the page itself.
      ...(limit !== null && { limit: /^\d{1,6}$/.test(limit) ? Number(limit) : NaN }),
      before: query.get('before') ?? undefined,
    }),
  )
}

async function startJob(req: IncomingMessage, res: ServerResponse, { ctx }: RouteArgs) {
  const body = await readJsonBody(req)
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AppFailure(appError('INVALID_BODY', 'the body must be a JSON object'))
  const { job } = await ctx.core.jobs.submit(body as Record<string, unknown>)
  sendJson(res, 202, job.summary())
}

function jobId(params: string[]): string {
  const id = param(params, 0)
  if (!JOB_ID_PATTERN.test(id))
    throw new AppFailure(appError('INVALID_JOB_ID', 'not a job id', { field: 'id' }))
  return id
}

async function getJob(_req: IncomingMessage, res: ServerResponse, { params, ctx }: RouteArgs) {
  const id = jobId(params)
  const record = await ctx.core.jobs.get(id)
  if (!record) throw new AppFailure(appError('JOB_NOT_FOUND', `no job ${id}`, { field: 'id' }))
  sendJson(res, 200, record)
}

async function jobEvents(req: IncomingMessage, res: ServerResponse, { params, ctx }: RouteArgs) {
  const id = jobId(params)
  const jobs = ctx.core.jobs
  // EventSource sends the last id it saw when it reconnects: resume after it.
  const lastSeen = Number(req.headers['last-event-id'])
  const fromSeq = Number.isInteger(lastSeen) && lastSeen >= 0 ? lastSeen + 1 : 0
  const record = await jobs.get(id)
  if (!record) throw new AppFailure(appError('JOB_NOT_FOUND', `no job ${id}`, { field: 'id' }))
  // A finished job with nothing left to send: 204 tells EventSource to stop reconnecting.
  if (record.result && fromSeq >= record.events.length) {
    res.writeHead(204).end()
    return
  }
  streamJobEvents(res, (listener) => jobs.subscribe(id, listener, fromSeq), {
    format: 'sse',
    open: ctx.openStreams,
  })
}

/** Uploads the model this job trained but did not store; 202 with the new upload job. */
async function retryUpload(_req: IncomingMessage, res: ServerResponse, { params, ctx }: RouteArgs) {
  const { job } = await ctx.core.jobs.retryUpload({ jobId: jobId(params) })
  sendJson(res, 202, job.summary())
}

async function stopJob(_req: IncomingMessage, res: ServerResponse, { params, ctx }: RouteArgs) {
  const id = jobId(params)
  const summary = await ctx.core.jobs.interruptAndWait(id)
  if (!summary) {
    const known = await ctx.core.jobs.get(id)
    const error = known
      ? appError('NO_ACTIVE_JOB', `job ${id} has already ended (${known.state})`)
      : appError('JOB_NOT_FOUND', `no job ${id}`, { field: 'id' })
    sendError(res, error)
    return
  }
  sendJson(res, 200, summary)
}
