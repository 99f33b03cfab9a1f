// A TrainingServerApi held in memory for store and component tests: canned answers that tests
// change, a record of calls, and job events and sync progress the test emits by hand.

import type { FleetWorkersResponse } from '../../src-shared/fleet-workers'
import {
  DEFAULT_SETTINGS,
  type ConnectionTest,
  type EditableSettings,
  type SettingsView,
} from '../../src-shared/app-settings'
import type { StartTrainingRequest, TrainingServerApi } from '../../src-shared/bridge'
import type { DatasetView } from '../../src-shared/dataset-view'
import type { AppError } from '../../src-shared/errors'
import { AppFailure } from '../../src-shared/errors'
import type { ClientSummary, HealthResponse } from '../../src-shared/http-api'
import type { JobEvent, JobRecord, JobSummary, ModelFile } from '../../src-shared/job-events'
import type { ModelVersion } from '../../src-shared/model-versions'
import type { PredictionResult } from '../../src-shared/predictions'
import type { SyncProgress } from '../../src-shared/sync-progress'
import type { TrainDefaultsView } from '../../src-shared/train-defaults'
import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../src-shared/train-params'

export function summary(
  id: string,
  client: string,
  state: JobSummary['state'],
  createdAt: string,
): JobSummary {
  return {
    id,
    client,
    trainType: 'classification',
    params: { ...DEFAULT_TRAIN_PARAMS, epochs: 3 },
    state,
    createdAt,
    updatedAt: createdAt,
  }
}

export function dataset(client: string, files: [string, string][]): DatasetView {
  const names = [...new Set(files.map(([, label]) => label))]
  return {
    client,
    synced: true,
    syncedAt: '2024-05-01T10:00:00.000Z',
    images: files.map(([file, label]) => ({ file, label, bytes: 2048, width: 48, height: 48 })),
    classes: names.map((name, i) => ({
      name,
      categoryId: i + 1,
      count: files.filter(([, l]) => l === name).length,
    })),
  }
}

/** The server's answer for a client: plain defaults, with `chosen` marked as chosen from the dataset. */
export function plainTrainDefaults(
  client: string,
  chosen: Partial<TrainParams> = {},
): TrainDefaultsView {
  const params: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(DEFAULT_TRAIN_PARAMS))
    params[key] = { value, source: 'default' }
  for (const [key, value] of Object.entries(chosen)) params[key] = { value, source: 'dataset' }
  return {
    client,
    trainType: 'classification',
    basis: Object.keys(chosen).length > 0 ? 'dataset' : 'not-synced',
    params: params as TrainDefaultsView['params'],
  }
}

export class FakeApi implements TrainingServerApi {
  calls: string[] = []
  clients: ClientSummary[] = [
    {
      client: 'client0',
      datasetBucket: 'training-server-client0',
      modelBucket: 'training-server-model-client0',
    },
    {
      client: 'client1',
      datasetBucket: 'training-server-client1',
      modelBucket: 'training-server-model-client1',
    },
  ]
  datasets = new Map<string, DatasetView>()
  /** What getTrainDefaults answers per client; plain defaults (not synced) otherwise. */
  trainDefaults = new Map<string, TrainDefaultsView>()
  jobs: JobSummary[] = []
  records = new Map<string, JobRecord>()
  models: ModelFile[] = [{ key: 'model.h5', bytes: 123456 }]
  versions: ModelVersion[] = []
  failures = new Map<string, AppError>()
  subscriptions = new Map<string, Set<(event: JobEvent) => void>>()
  syncSubscriptions = new Map<string, Set<(progress: SyncProgress) => void>>()
  /** syncDataset for these clients waits until the promise settles, so a test sees it syncing. */
  syncGates = new Map<string, Promise<void>>()
  started: StartTrainingRequest[] = []
  /** What predict answers; a test sets it before dropping an image. */
  prediction: PredictionResult = {
    model: { bucket: 'training-server-model-client0', etag: 'etag-1' },
    predictions: [
      { category_id: 1, category: 'circle', score: 0.875 },
      { category_id: 2, category: 'square', score: 0.125 },
    ],
  }
  predicted: { client: string; bytes: number; contentType: string; top?: number }[] = []
  /** getDataset for these clients waits until the promise settles, to test late answers. */
  datasetGates = new Map<string, Promise<void>>()
  settings: SettingsView = {
    values: DEFAULT_SETTINGS,
    file: '/tmp/home/settings.json',
    home: '/tmp/home',
    overriddenBy: {},
    secretStored: false,
    canStoreSecrets: true,
    pendingRestart: [],
  }
  saved: EditableSettings[] = []
  tested: EditableSettings[] = []
  /** What testConnection answers; a test sets it before clicking. */
  connection: ConnectionTest = {
    endpoint: 'http://127.0.0.1:4568',
    embedded: true,
    region: 'us-east-1',
    clients: [{ client: 'client0', bucket: 'training-server-client0' }],
    elapsedMs: 12,
  }

  private check(method: string): void {
    this.calls.push(method)
    const failure = this.failures.get(method)
    if (failure) throw new AppFailure(failure)
  }

  workers: FleetWorkersResponse = { distributed: false, workers: [] }

  async listWorkers(): Promise<FleetWorkersResponse> {
    this.check('listWorkers')
    return this.workers
  }

  async health(): Promise<HealthResponse> {
    this.check('health')
    return {
      name: 'training-server',
      version: '0.1.0',
      backend: 'wasm',
      s3: { endpoint: 'http://127.0.0.1:4568', embedded: true, region: 'us-east-1' },
      bucketPrefix: 'training-server-',
      home: '/tmp/home',
    }
  }
  async listClients(): Promise<ClientSummary[]> {
    this.check('listClients')
    return this.clients
  }
  async getDataset(client: string): Promise<DatasetView> {
    this.check(`getDataset:${client}`)
    await this.datasetGates.get(client)
    return this.datasets.get(client) ?? { client, synced: false, images: [], classes: [] }
  }
  async getTrainDefaults(client: string): Promise<TrainDefaultsView> {
    this.check(`getTrainDefaults:${client}`)
    return this.trainDefaults.get(client) ?? plainTrainDefaults(client)
  }
  async syncDataset(client: string): Promise<DatasetView> {
    this.check(`syncDataset:${client}`)
    await this.syncGates.get(client)
    return this.datasets.get(client) ?? { client, synced: true, images: [], classes: [] }
  }
  thumbnailUrl(client: string, file: string, size?: number): string {
    return `thumb://${client}/${file}?size=${size ?? ''}`
  }
  async listJobs(client?: string): Promise<JobSummary[]> {
    this.check(`listJobs:${client ?? ''}`)
    return this.jobs
      .filter((job) => client === undefined || job.client === client)
      .map((job) => ({ ...job }))
  }
  async getJob(id: string): Promise<JobRecord> {
    this.check(`getJob:${id}`)
    const record = this.records.get(id)
    if (!record) throw new AppFailure({ code: 'JOB_NOT_FOUND', message: `no job ${id}` })
    return record
  }
  async startTraining(request: StartTrainingRequest): Promise<JobSummary> {
    this.check('startTraining')
    this.started.push(request)
    const job = summary(
      `${request.client}-new`,
      request.client,
      'queued',
      '2024-05-02T10:00:00.000Z',
    )
    this.jobs.unshift(job)
    return job
  }
  async stopTraining(client: string): Promise<void> {
    this.check(`stopTraining:${client}`)
  }
  async listModelFiles(client: string): Promise<ModelFile[]> {
    this.check(`listModelFiles:${client}`)
    return this.models
  }
  modelFileUrl(client: string, key: string): string {
    return `model://${client}/${key}`
  }
  async predict(
    client: string,
    image: Uint8Array,
    contentType: string,
    top?: number,
  ): Promise<PredictionResult> {
    this.check(`predict:${client}`)
    this.predicted.push({
      client,
      bytes: image.byteLength,
      contentType,
      ...(top !== undefined && { top }),
    })
    return this.prediction
  }
  async listModelVersions(client: string): Promise<ModelVersion[]> {
    this.check(`listModelVersions:${client}`)
    return this.versions
  }
  async promoteModelVersion(client: string, jobId: string): Promise<ModelVersion[]> {
    this.check(`promoteModelVersion:${client}:${jobId}`)
    this.versions = this.versions.map((v) => ({ ...v, promoted: v.jobId === jobId }))
    return this.versions
  }
  onJobEvent(jobId: string, listener: (event: JobEvent) => void): () => void {
    this.calls.push(`onJobEvent:${jobId}`)
    const set = this.subscriptions.get(jobId) ?? new Set()
    set.add(listener)
    this.subscriptions.set(jobId, set)
    return () => set.delete(listener)
  }
  onSyncProgress(client: string, listener: (progress: SyncProgress) => void): () => void {
    this.calls.push(`onSyncProgress:${client}`)
    const set = this.syncSubscriptions.get(client) ?? new Set()
    set.add(listener)
    this.syncSubscriptions.set(client, set)
    return () => set.delete(listener)
  }
  async getSettings(): Promise<SettingsView> {
    this.check('getSettings')
    return this.settings
  }
  async saveSettings(values: EditableSettings): Promise<SettingsView> {
    this.check('saveSettings')
    this.saved.push(values)
    const port = values.port !== this.settings.values.port
    this.settings = {
      ...this.settings,
      values: {
        ...values,
        credentials:
          values.credentials.kind === 'keys'
            ? { kind: 'keys', accessKeyId: values.credentials.accessKeyId }
            : values.credentials,
      },
      secretStored: values.credentials.kind === 'keys',
      pendingRestart: port ? ['port'] : [],
    }
    return this.settings
  }
  async testConnection(values: EditableSettings): Promise<ConnectionTest> {
    this.check('testConnection')
    this.tested.push(values)
    return this.connection
  }
  emit(jobId: string, event: JobEvent): void {
    for (const listener of this.subscriptions.get(jobId) ?? []) listener(event)
  }
  listeners(jobId: string): number {
    return this.subscriptions.get(jobId)?.size ?? 0
  }
  emitSync(progress: SyncProgress): void {
    for (const listener of this.syncSubscriptions.get(progress.client) ?? []) listener(progress)
  }
  syncListeners(client: string): number {
    return this.syncSubscriptions.get(client)?.size ?? 0
  }
}

let seq = 0

/** The next position and time in a job's log. */
function place(): { seq: number; at: string } {
  const here = { seq, at: new Date(Date.UTC(2024, 4, 2, 10, 0, seq)).toISOString() }
  seq += 1
  return here
}

export const events = {
  reset: () => {
    seq = 0
  },
  stage: (state: JobSummary['state']): JobEvent => ({ type: 'stage', ...place(), state }),
  epoch: (epoch: number, epochs: number, loss: number): JobEvent => ({
    type: 'epoch',
    ...place(),
    epoch,
    epochs,
    loss,
    accuracy: 1 - loss / 2,
    valLoss: loss + 0.1,
    valAccuracy: 0.9 - loss / 2,
    imagesPerSec: 100,
    elapsedMs: epoch * 1000,
  }),
  progress: (
    stage: 'syncing' | 'training',
    done: number,
    total: number,
    epoch?: number,
    bytes?: { bytesDone: number; bytesTotal: number },
  ): JobEvent => ({
    type: 'progress',
    ...place(),
    stage,
    unit: stage === 'syncing' ? 'files' : 'batches',
    done,
    total,
    ...(epoch !== undefined && { epoch }),
    ...bytes,
  }),
  queued: (message: string): JobEvent => ({
    type: 'queued',
    ...place(),
    waitingFor: { kind: 'slot', concurrency: 1, running: ['client0'] },
    message,
  }),
}
