// The one IPC contract between the desktop window and the main process. Request channels are
// derived from TrainingServerApi, so a channel name and its payload can never drift apart; job
// events and sync progress each travel on one event channel, tagged with the subscription they
// belong to.

import type { TrainingServerApi } from './bridge'
import type { AppError } from './errors'
import type { JobEvent } from './job-events'
import type { SyncProgress } from './sync-progress'

/** The TrainingServerApi methods that answer with a Promise: each one is a request channel. */
export type ApiRequestMethod = {
  [K in keyof TrainingServerApi]: ReturnType<TrainingServerApi[K]> extends Promise<unknown>
    ? K
    : never
}[keyof TrainingServerApi]

/** Channel → handler signature, for every request/response channel. */
export type RequestChannels = {
  [K in ApiRequestMethod]: TrainingServerApi[K]
} & {
  /** Starts forwarding a job's events to the calling window under `subscriptionId`. */
  subscribeJobEvents: (jobId: string, subscriptionId: string) => Promise<void>
  unsubscribeJobEvents: (subscriptionId: string) => Promise<void>
  /** Starts forwarding a client's sync progress to the calling window under `subscriptionId`. */
  subscribeSyncProgress: (client: string, subscriptionId: string) => Promise<void>
  unsubscribeSyncProgress: (subscriptionId: string) => Promise<void>
}

export type RequestChannel = keyof RequestChannels
export type RequestArgs<C extends RequestChannel> = Parameters<RequestChannels[C]>
export type RequestResult<C extends RequestChannel> = Awaited<ReturnType<RequestChannels[C]>>

/** Every request channel name at run time; the `satisfies` check keeps it complete and exact. */
export const REQUEST_CHANNEL_NAMES = [
  'health',
  'listWorkers',
  'listClients',
  'getDataset',
  'syncDataset',
  'getTrainDefaults',
  'listJobs',
  'getJob',
  'startTraining',
  'stopTraining',
  'listModelFiles',
  'predict',
  'listModelVersions',
  'promoteModelVersion',
  'getSettings',
  'saveSettings',
  'testConnection',
  'subscribeJobEvents',
  'unsubscribeJobEvents',
  'subscribeSyncProgress',
  'unsubscribeSyncProgress',
] as const satisfies readonly RequestChannel[]

type MissingChannel = Exclude<RequestChannel, (typeof REQUEST_CHANNEL_NAMES)[number]>
// A compile error here names a request channel that is missing from REQUEST_CHANNEL_NAMES.
const channelListIsComplete: MissingChannel extends never ? true : MissingChannel = true
void channelListIsComplete

/** Prefix so the app's channels never collide with Electron's or a library's own. */
export const IPC_NAMESPACE = 'training-server'

export function requestChannelId(channel: RequestChannel): string {
  return `${IPC_NAMESPACE}:${channel}`
}

/** The main → window channel that carries job events. */
export const JOB_EVENT_CHANNEL = `${IPC_NAMESPACE}:job-event`

export interface JobEventMessage {
  subscriptionId: string
  event: JobEvent
}

/** The main → window channel that carries sync progress. */
export const SYNC_PROGRESS_CHANNEL = `${IPC_NAMESPACE}:sync-progress`

export interface SyncProgressMessage {
  subscriptionId: string
  progress: SyncProgress
}

/**
 * What a request channel answers. Errors travel as values: Electron flattens a thrown Error into a
 * message string, which would lose the code, path and file the UI shows.
 */
export type IpcOutcome<T> = { ok: true; value: T } | { ok: false; error: AppError }

/**
 * The desktop window loads thumbnails from the app itself through this URL scheme (images load
 * by URL, not through IPC), so they work whether or not the embedded endpoint could start.
 */
export const THUMBNAIL_SCHEME = 'training-server'
const THUMBNAIL_HOST = 'thumbnails'

export function thumbnailAppUrl(client: string, file: string, size?: number): string {
  const url = `${THUMBNAIL_SCHEME}://${THUMBNAIL_HOST}/${encodeURIComponent(client)}/${encodeURIComponent(file)}`
  return size === undefined ? url : `${url}?size=${Math.round(size)}`
}

const MODEL_FILE_HOST = 'models'

/** A file of a client's model bucket under the app's scheme (downloads, like thumbnails, by URL). */
export function modelFileAppUrl(client: string, key: string): string {
  return `${THUMBNAIL_SCHEME}://${MODEL_FILE_HOST}/${encodeURIComponent(client)}/${encodeURIComponent(key)}`
}

/** The inverse of modelFileAppUrl; undefined for any other URL. */
export function parseModelFileAppUrl(href: string): { client: string; key: string } | undefined {
  let url: URL
  try {
    url = new URL(href)
  } catch {
    return undefined
  }
  if (url.protocol !== `${THUMBNAIL_SCHEME}:` || url.host !== MODEL_FILE_HOST) return undefined
  const [client, key, ...rest] = url.pathname.split('/').slice(1)
  if (client === undefined || key === undefined || rest.length > 0) return undefined
  try {
    return { client: decodeURIComponent(client), key: decodeURIComponent(key) }
  } catch {
    return undefined
  }
}

/** The inverse of thumbnailAppUrl; undefined for any other URL. */
export function parseThumbnailAppUrl(
  href: string,
): { client: string; file: string; size?: number } | undefined {
  let url: URL
  try {
    url = new URL(href)
  } catch {
    return undefined
  }
  if (url.protocol !== `${THUMBNAIL_SCHEME}:` || url.host !== THUMBNAIL_HOST) return undefined
  const [client, file, ...rest] = url.pathname.split('/').slice(1)
  if (client === undefined || file === undefined || rest.length > 0) return undefined
  try {
    const rawSize = url.searchParams.get('size')
    return {
      client: decodeURIComponent(client),
      file: decodeURIComponent(file),
      ...(rawSize !== null && { size: Number(rawSize) }),
    }
  } catch {
    return undefined
  }
}
