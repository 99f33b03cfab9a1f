// The object the preload exposes as `window.trainingServer`: TrainingServerApi over the typed IPC
// contract, built on whatever carries the messages. The desktop app hands it Electron's
// ipcRenderer; the UI tests hand it a channel that clones and checks like Electron's does.

import type { TrainingServerApi } from '../../src-shared/bridge'
import {
  JOB_EVENT_CHANNEL,
  requestChannelId,
  SYNC_PROGRESS_CHANNEL,
  type SyncProgressMessage,
  type IpcOutcome,
  type JobEventMessage,
  modelFileAppUrl,
  type RequestArgs,
  type RequestChannel,
  type RequestResult,
  thumbnailAppUrl,
} from '../../src-shared/ipc-contract'

export type IpcRendererListener = (event: unknown, ...args: unknown[]) => void

/** The part of Electron's ipcRenderer the bridge uses (the real one fits it). */
export interface IpcRendererPort {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: IpcRendererListener): unknown
  removeListener(channel: string, listener: IpcRendererListener): unknown
}

export function createPreloadBridge(ipc: IpcRendererPort): TrainingServerApi {
  async function invoke<C extends RequestChannel>(
    channel: C,
    ...args: RequestArgs<C>
  ): Promise<RequestResult<C>> {
    const outcome = (await ipc.invoke(requestChannelId(channel), ...args)) as IpcOutcome<
      RequestResult<C>
    >
    // A plain AppError object survives the context bridge whole; an Error would keep only its message.
    if (!outcome.ok) throw outcome.error
    return outcome.value
  }

  let nextSubscription = 0
  // Sync subscriptions are numbered apart, so job subscriptions stay s1, s2, … as they are made.
  let nextSyncSubscription = 0

  return {
    health: () => invoke('health'),
    listWorkers: () => invoke('listWorkers'),
    listClients: () => invoke('listClients'),
    getDataset: (client) => invoke('getDataset', client),
    syncDataset: (client) => invoke('syncDataset', client),
    getTrainDefaults: (client) => invoke('getTrainDefaults', client),
    thumbnailUrl: (client, file, size) => thumbnailAppUrl(client, file, size),
    listJobs: (client) => invoke('listJobs', client),
    getJob: (id) => invoke('getJob', id),
    startTraining: (request) => invoke('startTraining', request),
    stopTraining: (client) => invoke('stopTraining', client),
    listModelFiles: (client) => invoke('listModelFiles', client),
    modelFileUrl: (client, key) => modelFileAppUrl(client, key),
    predict: (client, image, contentType, top) =>
      invoke('predict', client, image, contentType, top),
    listModelVersions: (client) => invoke('listModelVersions', client),
    promoteModelVersion: (client, jobId) => invoke('promoteModelVersion', client, jobId),
    getSettings: () => invoke('getSettings'),
    saveSettings: (settings) => invoke('saveSettings', settings),
    testConnection: (settings) => invoke('testConnection', settings),
    onJobEvent(jobId, listener) {
      nextSubscription += 1
      const subscriptionId = `s${nextSubscription}`
      const onMessage: IpcRendererListener = (_event, message) => {
        const { subscriptionId: id, event } = message as JobEventMessage
        if (id === subscriptionId) listener(event)
      }
      // Listen before subscribing: the main process replays the job's log straight away.
      ipc.on(JOB_EVENT_CHANNEL, onMessage)
      void invoke('subscribeJobEvents', jobId, subscriptionId).catch(() => {
        ipc.removeListener(JOB_EVENT_CHANNEL, onMessage)
      })
      return () => {
        ipc.removeListener(JOB_EVENT_CHANNEL, onMessage)
        void invoke('unsubscribeJobEvents', subscriptionId).catch(() => undefined)
      }
    },
    onSyncProgress(client, listener) {
      nextSyncSubscription += 1
      const subscriptionId = `sync${nextSyncSubscription}`
      const onMessage: IpcRendererListener = (_event, message) => {
        const { subscriptionId: id, progress } = message as SyncProgressMessage
        if (id === subscriptionId) listener(progress)
      }
      // Listen before subscribing: the main process sends the current step straight away.
      ipc.on(SYNC_PROGRESS_CHANNEL, onMessage)
      void invoke('subscribeSyncProgress', client, subscriptionId).catch(() => {
        ipc.removeListener(SYNC_PROGRESS_CHANNEL, onMessage)
      })
      return () => {
        ipc.removeListener(SYNC_PROGRESS_CHANNEL, onMessage)
        void invoke('unsubscribeSyncProgress', subscriptionId).catch(() => undefined)
      }
    },
  }
}
