// Writes one client's sync progress to an HTTP response as Server-Sent Events (`event: progress`,
// `data: <SyncProgress>`), the current step first, for as long as the caller listens: a sync is
// not a job with an end the stream could wait for, so the caller closes it when it is done.

import type { ServerResponse } from 'node:http'
import type { SyncProgress } from '../../src-shared/sync-progress'
import { CONTENT_TYPES } from './event-streams'
import { streamHeaders } from './responses'

/** Subscribes a listener to a client's sync progress; returns unsubscribe. */
export type SubscribeToSync = (listener: (progress: SyncProgress) => void) => () => void

const SSE_HEARTBEAT_MS = 15_000
/** The server sends the current step again on reconnect, so a quick retry loses nothing. */
const SSE_RETRY_MS = 2_000

export function streamSyncProgress(
  res: ServerResponse,
  subscribe: SubscribeToSync,
  open: Set<ServerResponse>,
  heartbeatMs = SSE_HEARTBEAT_MS,
): void {
  res.writeHead(200, streamHeaders(CONTENT_TYPES.sse))
  // Progress must reach the caller as it happens, not when Nagle or a buffer decides.
  res.socket?.setNoDelay(true)
  res.write(`retry: ${SSE_RETRY_MS}\n\n`)
  open.add(res)
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs)
  let ended = false
  const unsubscribe = subscribe((progress) => {
    if (!ended) res.write(`event: progress\ndata: ${JSON.stringify(progress)}\n\n`)
  })
  // 'close' on the response covers both a server that ended it and a caller that hung up.
  res.on('close', () => {
    ended = true
    clearInterval(heartbeat)
    unsubscribe()
    open.delete(res)
  })
}
