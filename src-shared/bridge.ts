// The one interface the renderer talks to. Two transports implement it: IPC in the desktop app
// (src-main/electron/preload.ts) and HTTP + SSE in a browser (src-renderer/api/http-transport.ts).

import type { FleetWorkersResponse } from './fleet-workers'
import type { ConnectionTest, EditableSettings, SettingsView } from './app-settings'
import type { DatasetView } from './dataset-view'
import type { ClientSummary, HealthResponse } from './http-api'
import type { JobEvent, JobRecord, JobSummary, ModelFile } from './job-events'
import type { ModelVersion } from './model-versions'
import type { PredictionResult } from './predictions'
import type { SyncProgress } from './sync-progress'
import type { TrainDefaultsView } from './train-defaults'
import type { TrainParams, TrainRequestOptions, TrainType } from './train-params'

export interface StartTrainingRequest extends TrainRequestOptions {
  client: string
  trainType: TrainType
  params: Partial<TrainParams>
  /** The id of an interrupted job to continue from its checkpoint (its parameters are kept). */
  resume?: string
}

export interface TrainingServerApi {
  health(): Promise<HealthResponse>
  /** Distributed mode: the fleet's workers and what each runs; none on one machine. */
  listWorkers(): Promise<FleetWorkersResponse>
  listClients(): Promise<ClientSummary[]>
  /** The locally mirrored dataset with its validation report (synced: false before the first sync). */
  getDataset(client: string): Promise<DatasetView>
  /** Mirrors the client's bucket and validates it, without training. */
  syncDataset(client: string): Promise<DatasetView>
  /**
   * Calls the listener with each step of the client's dataset syncs (the current one at once,
   * when one runs) until the returned unsubscribe function is called.
   */
  onSyncProgress(client: string, listener: (progress: SyncProgress) => void): () => void
  /** What a job for the client would train with when the caller sets nothing, and why. */
  getTrainDefaults(client: string): Promise<TrainDefaultsView>
  /** URL of a cached thumbnail of one dataset image. */
  thumbnailUrl(client: string, file: string, size?: number): string
  listJobs(client?: string): Promise<JobSummary[]>
  getJob(id: string): Promise<JobRecord>
  startTraining(request: StartTrainingRequest): Promise<JobSummary>
  stopTraining(client: string): Promise<void>
  listModelFiles(client: string): Promise<ModelFile[]>
  /** URL that downloads one file of the client's model bucket (a key listModelFiles gave). */
  modelFileUrl(client: string, key: string): string
  /** The stored model's top classes for one image (its bytes, as a file of `contentType`). */
  predict(
    client: string,
    image: Uint8Array,
    contentType: string,
    top?: number,
  ): Promise<PredictionResult>
  /** Every run's stored model set (`runs/<job id>/`), newest first, saying which one is promoted. */
  listModelVersions(client: string): Promise<ModelVersion[]>
  /** Makes that run's set the client's stored model (the bucket's root keys), all files at once. */
  promoteModelVersion(client: string, jobId: string): Promise<ModelVersion[]>
  /** Replays the job's log, then streams new events; returns the unsubscribe function. */
  onJobEvent(jobId: string, listener: (event: JobEvent) => void): () => void
  /** The settings file's values, which of them the environment overrides, and what needs a restart. */
  getSettings(): Promise<SettingsView>
  /** Checks and writes the settings file; most changes take effect at the next start. */
  saveSettings(settings: EditableSettings): Promise<SettingsView>
  /** Lists the client buckets the given settings reach, without saving them. */
  testConnection(settings: EditableSettings): Promise<ConnectionTest>
}
