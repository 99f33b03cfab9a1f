// TrainingServerApi over the embedded endpoint, for the UI opened in a browser: fetch for the
// /api routes and one EventSource per job-event or sync-progress subscription.

import type { StartTrainingRequest, TrainingServerApi } from '../../src-shared/bridge'
import { AppFailure, appError, isAppError } from '../../src-shared/errors'
import { JOB_PAGE_LIMIT, ROUTES, type JobPage } from '../../src-shared/http-api'
import { isTerminal, type JobEvent } from '../../src-shared/job-events'
import { modelFilePath, predictPath } from '../../src-shared/predictions'
import type { SyncProgress } from '../../src-shared/sync-progress'
import { thumbnailPath } from '../../src-shared/thumbnail-path'

const EVENT_TYPES: JobEvent['type'][] = [
  'stage',
  'queued',
  'progress',
  'epoch',
  'log',
  'report',
  'result',
  'error',
]

async function failureOf(response: Response): Promise<AppFailure> {
  const body: unknown = await response.json().catch(() => undefined)
  const error = (body as { error?: unknown } | undefined)?.error
  // isAppError accepts only codes of the table: a server newer than this page may send others.
  if (isAppError(error)) return new AppFailure(error)
  const sent = (error as { code?: unknown; message?: unknown } | undefined) ?? {}
  return new AppFailure(
    appError(
      'UNEXPECTED_RESPONSE',
      typeof sent.message === 'string'
        ? sent.message
        : `The server answered ${response.status} ${response.statusText}`,
      {
        details: {
          status: response.status,
          ...(typeof sent.code === 'string' ? { code: sent.code.slice(0, 100) } : {}),
        },
      },
    ),
  )
}

export function createHttpTransport(origin: string = window.location.origin): TrainingServerApi {
  const url = (path: string): string => new URL(path, origin).href
  const client = (name: string): string => `${ROUTES.clients}/${encodeURIComponent(name)}`

  async function request<T>(
    path: string,
    init: RequestInit = {},
    contentType = 'application/json',
  ): Promise<T> {
    let response: Response
    try {
      response = await fetch(url(path), {
        ...init,
        headers: {
          Accept: 'application/json',
          ...(init.body ? { 'Content-Type': contentType } : {}),
        },
      })
    } catch (thrown) {
      throw new AppFailure(
        appError(
          'SERVER_UNREACHABLE',
          `The Training Server endpoint did not answer (${String(thrown)})`,
        ),
      )
    }
    if (!response.ok) throw await failureOf(response)
    if (response.status === 204) return undefined as T
    const type = response.headers.get('content-type') ?? ''
    return (type.includes('json') ? await response.json() : undefined) as T
  }

  return {
    health: () => request(ROUTES.health),
    listWorkers: () => request(ROUTES.workers),
    listClients: () => request(ROUTES.clients),
    getDataset: (name) => request(`${client(name)}/dataset`),
    syncDataset: (name) => request(`${client(name)}/sync`, { method: 'POST' }),
    onSyncProgress(name, listener) {
      // Left to reconnect on its own: the server sends the current step again when it does.
      const source = new EventSource(url(`${client(name)}/sync/events`))
      source.addEventListener('progress', (message: MessageEvent<string>) => {
        let progress: SyncProgress
        try {
          progress = JSON.parse(message.data) as SyncProgress
        } catch {
          return
        }
        listener(progress)
      })
      return () => source.close()
    },
    getTrainDefaults: (name) => request(`${client(name)}/train-defaults`),
    thumbnailUrl: (name, file, size) => url(thumbnailPath(name, file, size)),
    // The runs screen shows one page: the newest runs, as many as a page may hold.
    listJobs: async (name) => {
      const query = `limit=${JOB_PAGE_LIMIT.max}`
      const path =
        name === undefined
          ? `${ROUTES.jobs}?${query}`
          : `${ROUTES.jobs}?client=${encodeURIComponent(name)}&${query}`
      return (await request<JobPage>(path)).jobs
    },
    getJob: (id) => request(`${ROUTES.jobs}/${encodeURIComponent(id)}`),
    startTraining: (body: StartTrainingRequest) =>
      request(ROUTES.jobs, { method: 'POST', body: JSON.stringify(body) }),
    async stopTraining(name) {
      await request(`${ROUTES.interrupt}?bucket_name=${encodeURIComponent(name)}`)
    },
    listModelFiles: (name) => request(`${client(name)}/models`),
    modelFileUrl: (name, key) => url(modelFilePath(name, key)),
    predict: (name, image, contentType, top) =>
      request(predictPath(name, top), { method: 'POST', body: new Uint8Array(image) }, contentType),
    listModelVersions: (name) => request(`${client(name)}/versions`),
    promoteModelVersion: (name, jobId) =>
      request(`${client(name)}/models/${encodeURIComponent(jobId)}/promote`, { method: 'POST' }),
    getSettings: () => request(ROUTES.settings),
    saveSettings: (settings) =>
      request(ROUTES.settings, { method: 'PUT', body: JSON.stringify(settings) }),
    testConnection: (settings) =>
      request(`${ROUTES.settings}/test`, { method: 'POST', body: JSON.stringify(settings) }),
    onJobEvent(jobId, listener) {
      const source = new EventSource(url(`${ROUTES.jobs}/${encodeURIComponent(jobId)}/events`))
      // EventSource reconnects on its own and the server replays the log: skip what was seen.
      let lastSeq = -1
      let finished = false
      let resulted = false
      const onMessage = (message: MessageEvent<string>): void => {
        let event: JobEvent
        try {
          event = JSON.parse(message.data) as JobEvent
        } catch {
          return
        }
        if (typeof event.seq !== 'number' || event.seq <= lastSeq) return
        lastSeq = event.seq
        if (event.type === 'stage' && isTerminal(event.state)) finished = true
        if (event.type === 'result') resulted = true
        listener(event)
        if (finished && resulted) source.close()
      }
      source.addEventListener('message', onMessage)
      for (const type of EVENT_TYPES) source.addEventListener(type, onMessage)
      source.addEventListener('error', () => {
        // The server ends the stream after a finished job; do not reconnect to replay it again.
        if (finished) source.close()
      })
      return () => source.close()
    },
  }
}
