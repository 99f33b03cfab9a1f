// Maps every IPC request channel onto the main-side services, and forwards job events and sync
// progress to the window that subscribed, one forwarding per subscription, until it unsubscribes
// or closes.

import type { TrainingServerApi } from '../../src-shared/bridge'
import { AppFailure, appError } from '../../src-shared/errors'
import {
  JOB_EVENT_CHANNEL,
  SYNC_PROGRESS_CHANNEL,
  type JobEventMessage,
  type SyncProgressMessage,
} from '../../src-shared/ipc-contract'
import type { IpcSender, TypedIpcMain } from './ipc-main'

/** What the main process serves to the window: the bridge minus what the preload answers itself. */
export type MainApi = Omit<TrainingServerApi, 'thumbnailUrl' | 'modelFileUrl'>

/** Sync forwardings share the window's map with job ones, under their own key space. */
const syncKey = (subscriptionId: string): string => `sync:${subscriptionId}`

export interface IpcApiRegistration {
  /** Live job-event and sync-progress forwardings, across all windows. */
  subscriptionCount(): number
  /** Ends every forwarding and removes every handler. */
  dispose(): void
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512)
    throw new AppFailure(
      appError('IPC_INVALID_ARGUMENT', `${field} must be a non-empty string`, { field }),
    )
  return value
}

function optionalText(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : text(value, field)
}

export function registerIpcApi(ipc: TypedIpcMain, api: MainApi): IpcApiRegistration {
  // Keyed by window id, then subscription id: a window's ids never collide with another's.
  const forwardings = new Map<number, Map<string, () => void>>()

  const endForwarding = (sender: IpcSender, subscriptionId: string): void => {
    const ofSender = forwardings.get(sender.id)
    const unsubscribe = ofSender?.get(subscriptionId)
    if (!ofSender || !unsubscribe) return
    ofSender.delete(subscriptionId)
    unsubscribe()
  }

  const forwardingsOf = (sender: IpcSender): Map<string, () => void> => {
    let ofSender = forwardings.get(sender.id)
    if (!ofSender) {
      const created = new Map<string, () => void>()
      ofSender = created
      forwardings.set(sender.id, created)
      // A closed or crashed window never unsubscribes; drop its forwardings with it.
      sender.once('destroyed', () => {
        for (const unsubscribe of created.values()) unsubscribe()
        created.clear()
        if (forwardings.get(sender.id) === created) forwardings.delete(sender.id)
      })
    }
    return ofSender
  }

  ipc.handle('health', () => api.health())
  ipc.handle('listWorkers', () => api.listWorkers())
  ipc.handle('listClients', () => api.listClients())
  ipc.handle('getDataset', (_event, client) => api.getDataset(text(client, 'client')))
  ipc.handle('getTrainDefaults', (_event, client) => api.getTrainDefaults(text(client, 'client')))
  ipc.handle('syncDataset', (_event, client) => api.syncDataset(text(client, 'client')))
  ipc.handle('listJobs', (_event, client) => api.listJobs(optionalText(client, 'client')))
  ipc.handle('getJob', (_event, id) => api.getJob(text(id, 'id')))
  ipc.handle('startTraining', (_event, request) => {
    if (typeof request !== 'object' || request === null)
      throw new AppFailure(
        appError('IPC_INVALID_ARGUMENT', 'request must be an object', { field: 'request' }),
      )
    const params =
      typeof request.params === 'object' && request.params !== null ? request.params : {}
    const resume = optionalText(request.resume, 'resume')
    return api.startTraining({
      client: text(request.client, 'client'),
      trainType: request.trainType,
      params,
      // The job service checks it like every other field.
      ...(request.promote !== undefined && { promote: request.promote }),
      ...(resume !== undefined && { resume }),
    })
  })
  ipc.handle('stopTraining', (_event, client) => api.stopTraining(text(client, 'client')))
  ipc.handle('listModelFiles', (_event, client) => api.listModelFiles(text(client, 'client')))
  ipc.handle('predict', (_event, client, image, contentType, top) => {
    // Structured clone keeps a Uint8Array whole; anything else is not an image's bytes.
    if (!(image instanceof Uint8Array))
      throw new AppFailure(
        appError('IPC_INVALID_ARGUMENT', "image must be the file's bytes", { field: 'image' }),
      )
    if (top !== undefined && typeof top !== 'number')
      throw new AppFailure(
        appError('IPC_INVALID_ARGUMENT', 'top must be a number', { field: 'top' }),
      )
    return api.predict(text(client, 'client'), image, text(contentType, 'contentType'), top)
  })
  ipc.handle('listModelVersions', (_event, client) => api.listModelVersions(text(client, 'client')))
  ipc.handle('promoteModelVersion', (_event, client, jobId) =>
    api.promoteModelVersion(text(client, 'client'), text(jobId, 'jobId')),
  )
  // The settings service checks every field of what the window sends.
  ipc.handle('getSettings', () => api.getSettings())
  ipc.handle('saveSettings', (_event, settings) => api.saveSettings(settings))
  ipc.handle('testConnection', (_event, settings) => api.testConnection(settings))

  ipc.handle('subscribeJobEvents', (event, jobId, subscriptionId) => {
    const sender = event.sender
    const id = text(subscriptionId, 'subscriptionId')
    endForwarding(sender, id)
    const unsubscribe = api.onJobEvent(text(jobId, 'jobId'), (jobEvent) => {
      if (sender.isDestroyed()) return
      const message: JobEventMessage = { subscriptionId: id, event: jobEvent }
      sender.send(JOB_EVENT_CHANNEL, message)
    })
    forwardingsOf(sender).set(id, unsubscribe)
  })
  ipc.handle('unsubscribeJobEvents', (event, subscriptionId) => {
    endForwarding(event.sender, text(subscriptionId, 'subscriptionId'))
  })
  ipc.handle('subscribeSyncProgress', (event, client, subscriptionId) => {
    const sender = event.sender
    const id = text(subscriptionId, 'subscriptionId')
    endForwarding(sender, syncKey(id))
    const unsubscribe = api.onSyncProgress(text(client, 'client'), (progress) => {
      if (sender.isDestroyed()) return
      const message: SyncProgressMessage = { subscriptionId: id, progress }
      sender.send(SYNC_PROGRESS_CHANNEL, message)
    })
    forwardingsOf(sender).set(syncKey(id), unsubscribe)
  })
  ipc.handle('unsubscribeSyncProgress', (event, subscriptionId) => {
    endForwarding(event.sender, syncKey(text(subscriptionId, 'subscriptionId')))
  })

  return {
    subscriptionCount: () => [...forwardings.values()].reduce((sum, m) => sum + m.size, 0),
    dispose() {
      ipc.removeAll()
      for (const ofSender of forwardings.values())
        for (const unsubscribe of ofSender.values()) unsubscribe()
      forwardings.clear()
    },
  }
}
