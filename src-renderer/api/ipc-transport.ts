// TrainingServerApi in the desktop app: the preload's bridge, with its rejections (plain AppError
// objects after the context bridge) turned back into AppFailure like the HTTP transport throws.

import type { TrainingServerApi } from '../../src-shared/bridge'
import { AppFailure, toAppError } from '../../src-shared/errors'

function asFailure(thrown: unknown): never {
  throw new AppFailure(toAppError(thrown, 'IPC_FAILED'))
}

export function createIpcTransport(bridge: TrainingServerApi): TrainingServerApi {
  return {
    health: () => bridge.health().catch(asFailure),
    listWorkers: () => bridge.listWorkers().catch(asFailure),
    listClients: () => bridge.listClients().catch(asFailure),
    getDataset: (client) => bridge.getDataset(client).catch(asFailure),
    syncDataset: (client) => bridge.syncDataset(client).catch(asFailure),
    getTrainDefaults: (client) => bridge.getTrainDefaults(client).catch(asFailure),
    thumbnailUrl: (client, file, size) => bridge.thumbnailUrl(client, file, size),
    listJobs: (client) => bridge.listJobs(client).catch(asFailure),
    getJob: (id) => bridge.getJob(id).catch(asFailure),
    startTraining: (request) => bridge.startTraining(request).catch(asFailure),
    stopTraining: (client) => bridge.stopTraining(client).catch(asFailure),
    listModelFiles: (client) => bridge.listModelFiles(client).catch(asFailure),
    modelFileUrl: (client, key) => bridge.modelFileUrl(client, key),
    predict: (client, image, contentType, top) =>
      bridge.predict(client, image, contentType, top).catch(asFailure),
    listModelVersions: (client) => bridge.listModelVersions(client).catch(asFailure),
    promoteModelVersion: (client, jobId) =>
      bridge.promoteModelVersion(client, jobId).catch(asFailure),
    onJobEvent: (jobId, listener) => bridge.onJobEvent(jobId, listener),
    onSyncProgress: (client, listener) => bridge.onSyncProgress(client, listener),
    getSettings: () => bridge.getSettings().catch(asFailure),
    saveSettings: (settings) => bridge.saveSettings(settings).catch(asFailure),
    testConnection: (settings) => bridge.testConnection(settings).catch(asFailure),
  }
}
