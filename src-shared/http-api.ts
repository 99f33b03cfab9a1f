// The embedded endpoint's routes and payloads, shared by the server and the browser transport.

import type { BackendName, TrainType } from './train-params'
import type { JobState, JobSummary } from './job-events'

/**
 * Every route of the embedded endpoint. The seed's routes (`/progress`, `/interrupt`) take query
 * strings; the `/api` routes serve the UI (the browser transport of TrainingServerApi).
 *
 * GET  /                                   HealthResponse (JSON; the web UI for Accept: text/html)
 * GET  /progress?train_type&bucket_name…   start or join a job; NDJSON or SSE stream of JobEvent
 * GET  /interrupt?bucket_name              stop that client's job
 * GET  /retry-upload?bucket_name[&wait]    upload the client's model whose upload failed (no
 *                                          training); streams that job like /progress
 * GET  /api/clients                        ClientSummary[]
 * GET  /api/clients/:client/dataset        DatasetView
 * POST /api/clients/:client/sync           DatasetView (mirror + validate, no training)
 * GET  /api/clients/:client/sync/events    SSE of SyncProgress while the client's dataset syncs
 * GET  /api/clients/:client/thumbnails/:file?size=N   image/webp (ETag; If-None-Match → 304)
 * GET  /api/clients/:client/models         ModelFile[] of the stored model (the root keys)
 * GET  /api/clients/:client/models/:key    that model file (attachment); only listed keys
 * GET  /api/clients/:client/versions       ModelVersion[]: every run's kept set, newest first
 * POST /api/clients/:client/models/:jobId/promote   that run's set becomes the stored model
 *                                          → ModelVersion[]
 * GET  /api/clients/:client/train-defaults TrainDefaultsView: what a job would train with
 * POST /api/clients/:client/predict?top=N  image bytes (Content-Type image/…) → PredictionResult
 * GET  /api/jobs?client&limit&before       JobPage: up to `limit` jobs (newest first) older than
 *                                          the job `before`, and `next` to pass as `before`
 * POST /api/jobs                           StartTrainingRequest → JobSummary (202)
 * GET  /api/jobs/:id                       JobRecord
 * GET  /api/workers                        FleetWorkersResponse (distributed mode: the fleet's workers)
 * GET  /api/jobs/:id/events                SSE: the job's log replayed, then live events
 * POST /api/jobs/:id/stop                  stop that job
 * POST /api/jobs/:id/retry-upload          upload that job's model again → JobSummary (202)
 * GET  /api/settings                       SettingsView
 * PUT  /api/settings                       EditableSettings → SettingsView (written to settings.json)
 * POST /api/settings/test                  EditableSettings → ConnectionTest (nothing saved)
 */
export const ROUTES = {
  health: '/',
  progress: '/progress',
  interrupt: '/interrupt',
  retryUpload: '/retry-upload',
  clients: '/api/clients',
  jobs: '/api/jobs',
  workers: '/api/workers',
  settings: '/api/settings',
} as const

export interface HealthResponse {
  name: 'training-server'
  version: string
  backend: BackendName | 'pending'
  /** `credentialsFile`: where the embedded store's access key and secret are (embedded only). */
  s3: { endpoint: string; embedded: boolean; region: string; credentialsFile?: string }
  bucketPrefix: string
  home: string
}

export interface ClientSummary {
  client: string
  datasetBucket: string
  modelBucket: string
  lastJob?: {
    id: string
    state: JobState
    valAccuracy?: number
    /** A detection run's validation mAP@.5 (a segmentation run's: mask mAP@.5); no accuracy. */
    valMap50?: number
    updatedAt: string
  }
  /**
   * The train type the client's dataset is for, as far as known (its last finished run's, or the
   * one a demo client was made for): the training form starts on it.
   */
  trainType?: TrainType
  /** From the local mirror's record and the kept validation report; absent before a sync. */
  dataset?: { images: number; classes?: number; skippedImages: number; empty: boolean }
  /** The promoted model at the model bucket's root, whichever run stored it. */
  storedModel?: StoredModelSummary
}

export interface StoredModelSummary {
  /** When model.h5 was last written. */
  storedAt?: string
  /** The run that stored it, when the run history still knows it. */
  jobId?: string
  valAccuracy?: number
  /** A detection model's validation mAP@.5. */
  valMap50?: number
  classes?: string[]
  files: number
}

/** Body of any non-2xx answer. */
export interface ErrorBody {
  error: import('./errors').AppError
}

/** One page of GET /api/jobs. */
export interface JobPage {
  jobs: JobSummary[]
  /** The `before` value of the next (older) page; absent on the last page. */
  next?: string
}

/** Jobs per page of GET /api/jobs: `limit` when given (at most `max`), else `default`. */
export const JOB_PAGE_LIMIT = { default: 50, max: 500 } as const
