// The main-process side of TrainingServerApi: each method answered by the core's job service or
// the settings service, the same calls the endpoint's /api routes make, so both shells behave
// alike.

import { AppFailure, appError } from '../../src-shared/errors'
import type { Core } from '../core'
import type { SettingsService } from '../settings-service'
import type { MainApi } from './ipc-adapter'

export function coreMainApi(
  core: Pick<Core, 'health' | 'jobs' | 'predictor' | 'workers'>,
  settings: SettingsService,
): MainApi {
  const jobs = core.jobs
  return {
    health: async () => core.health(),
    listWorkers: async () => core.workers(),
    listClients: () => jobs.listClients(),
    getDataset: (client) => jobs.getDataset(client),
    syncDataset: (client) => jobs.syncOnly(client),
    onSyncProgress: (client, listener) => jobs.onSyncProgress(client, listener),
    getTrainDefaults: (client) => jobs.trainDefaults(client),
    listJobs: async (client) => jobs.list(client),
    async getJob(id) {
      const record = await jobs.get(id)
      if (!record) throw new AppFailure(appError('JOB_NOT_FOUND', `no job ${id}`, { field: 'id' }))
      return record
    },
    startTraining: async (request) => (await jobs.submit(request)).job.summary(),
    async stopTraining(client) {
      const summary = await jobs.interruptAndWait(client)
      if (!summary)
        throw new AppFailure(
          appError('NO_ACTIVE_JOB', `client ${client} has no job to interrupt`, {
            field: 'client',
          }),
        )
    },
    listModelFiles: (client) => jobs.listModelFiles(client),
    predict: (client, image, contentType, top) =>
      core.predictor.predict(client, image, contentType, top),
    listModelVersions: (client) => jobs.listModelVersions(client),
    promoteModelVersion: (client, jobId) => jobs.promoteModelVersion(client, jobId),
    // An unknown job has no events to send: the subscription simply stays silent.
    onJobEvent: (jobId, listener) => jobs.subscribe(jobId, listener) ?? (() => undefined),
    getSettings: () => settings.get(),
    saveSettings: (values) => settings.save(values),
    testConnection: (values) => settings.testConnection(values),
  }
}
