// Writes one job's event log to an HTTP response, replayed from the start and then live, in one of
// two wire formats:
// - NDJSON: one JobEvent per line, and as the last line the JobResult itself (the seed's keys,
//   "Training" and "Storing", at the top level). Browser tabs get the same lines as text/plain.
// - Server-Sent Events: `id: <seq>`, `event: <type>`, `data: <JobEvent>`; ends after 'result'.

import type { ServerResponse } from 'node:http'
import type { JobEvent } from '../../src-shared/job-events'
import { streamHeaders } from './responses'

export type StreamFormat = 'ndjson' | 'text' | 'sse'

export const CONTENT_TYPES: Record<StreamFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  sse: 'text/event-stream; charset=utf-8',
}

/** Subscribes a listener to a job's log (replay from fromSeq, then live); returns unsubscribe. */
export type SubscribeToJob = (listener: (event: JobEvent) => void) => (() => void) | undefined

export interface EventStreamOptions {
  format: StreamFormat
  /** Open streams, so the server can end them when it closes. */
  open: Set<ServerResponse>
  /** SSE comment lines keep idle connections from timing out in proxies and browsers. */
  heartbeatMs?: number
}

const SSE_HEARTBEAT_MS = 15_000
/** How long a reconnecting EventSource waits; long, since a job's log is replayed on reconnect. */
const SSE_RETRY_MS = 5_000

export function formatEvent(event: JobEvent, format: StreamFormat): string {
  if (format === 'sse')
    return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
  // The result line is the JobResult itself, so a client that reads only the last line gets the
  // seed's answer ({"Training": "Succesfull", "Storing": "Succesfull", ...}).
  return `${JSON.stringify(event.type === 'result' ? event.result : event)}\n`
}

/** Streams the job's events until its result (then ends) or until the caller goes away. */
export function streamJobEvents(
  res: ServerResponse,
  subscribe: SubscribeToJob,
  opts: EventStreamOptions,
): void {
  res.writeHead(200, streamHeaders(CONTENT_TYPES[opts.format]))
  // Progress must reach the caller as it happens, not when Nagle or a buffer decides.
  res.socket?.setNoDelay(true)
  if (opts.format === 'sse') res.write(`retry: ${SSE_RETRY_MS}\n\n`)
  else res.flushHeaders()

  let ended = false
  // Filled in once subscribe() returns; the replay may reach the result (and end) before that.
  const subscription: { stop?: () => void } = {}
  let heartbeat: NodeJS.Timeout | undefined
  opts.open.add(res)

  const end = () => {
    if (ended) return
    ended = true
    subscription.stop?.()
    if (heartbeat) clearInterval(heartbeat)
    opts.open.delete(res)
    if (!res.writableEnded) res.end()
  }

  // 'close' on the response covers both a finished answer and a caller that hung up.
  res.on('close', end)
  if (opts.format === 'sse')
    heartbeat = setInterval(
      () => res.write(': keep-alive\n\n'),
      opts.heartbeatMs ?? SSE_HEARTBEAT_MS,
    )

  const listener = (event: JobEvent) => {
    if (ended) return
    res.write(formatEvent(event, opts.format))
    if (event.type === 'result') end()
  }
  subscription.stop = subscribe(listener)
  if (ended || !subscription.stop) {
    subscription.stop?.()
    end()
  }
}
