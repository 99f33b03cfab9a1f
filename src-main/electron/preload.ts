// The window's only door to the main process, and the only module that touches ipcRenderer. It
// exposes one object, `window.trainingServer`, implementing TrainingServerApi over the typed IPC
// contract; nothing else from Node or Electron reaches the page.

import { contextBridge, ipcRenderer } from 'electron'
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

async function invoke<C extends RequestChannel>(
  channel: C,
  ...args: RequestArgs<C>
): Promise<RequestResult<C>> {
  const outcome = (await ipcRenderer.invoke(requestChannelId(channel), ...args)) as IpcOutcome<
    RequestResult<C>
  >
  // A plain AppError object survives the context bridge whole; an Error would keep only its message.
  if (!outcome.ok) throw outcome.error
  return outcome.value
}

let nextSubscription = 0

const bridge: TrainingServerApi = {
  health: () => invoke('health'),
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
  predict: (client, image, contentType, top) => invoke('predict', client, image, contentType, top),
  listModelVersions: (client) => invoke('listModelVersions', client),
  promoteModelVersion: (client, jobId) => invoke('promoteModelVersion', client, jobId),
  getSettings: () => invoke('getSettings'),
  saveSettings: (settings) => invoke('saveSettings', settings),
  testConnection: (settings) => invoke('testConnection', settings),
  onJobEvent(jobId, listener) {
    nextSubscription += 1
    const subscriptionId = `s${nextSubscription}`
    const onMessage = (_event: unknown, message: JobEventMessage): void => {
      if (message.subscriptionId === subscriptionId) listener(message.event)
    }
    // Listen before subscribing: the main process replays the job's log straight away.
    ipcRenderer.on(JOB_EVENT_CHANNEL, onMessage)
    void invoke('subscribeJobEvents', jobId, subscriptionId).catch(() => {
      ipcRenderer.removeListener(JOB_EVENT_CHANNEL, onMessage)
    })
    return () => {
      ipcRenderer.removeListener(JOB_EVENT_CHANNEL, onMessage)
      void invoke('unsubscribeJobEvents', subscriptionId).catch(() => undefined)
    }
  },
  onSyncProgress(client, listener) {
    nextSubscription += 1
    const subscriptionId = `s${nextSubscription}`
    const onMessage = (_event: unknown, message: SyncProgressMessage): void => {
      if (message.subscriptionId === subscriptionId) listener(message.progress)
    }
    // Listen before subscribing: the main process sends the current step straight away.
    ipcRenderer.on(SYNC_PROGRESS_CHANNEL, onMessage)
    void invoke('subscribeSyncProgress', client, subscriptionId).catch(() => {
      ipcRenderer.removeListener(SYNC_PROGRESS_CHANNEL, onMessage)
    })
    return () => {
      ipcRenderer.removeListener(SYNC_PROGRESS_CHANNEL, onMessage)
      void invoke('unsubscribeSyncProgress', subscriptionId).catch(() => undefined)
    }
  },
}

contextBridge.exposeInMainWorld('trainingServer', bridge)
