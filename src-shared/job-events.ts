// One job, one event log: every state change and progress step is one of these events. HTTP
// (NDJSON and SSE), IPC and the run history all carry exactly this union.

import type { AnnotationReport } from './annotation-report'
import type { AppError } from './errors'
import type { Promotion, ValidationSetIdentity } from './model-versions'
import type { DetectionEpochMetrics, DetectionTrainingMetrics } from './tasks/detection-metrics'
import type {
  SegmentationEpochMetrics,
  SegmentationTrainingMetrics,
} from './tasks/segmentation-metrics'
import type { BackendName, TrainParams, TrainType } from './train-params'

export const JOB_STATES = [
  'queued',
  'syncing',
  'validating',
  'training',
  'exporting',
  'uploading',
  'done',
  'failed',
  'interrupted',
] as const
export type JobState = (typeof JOB_STATES)[number]
export const TERMINAL_STATES: readonly JobState[] = ['done', 'failed', 'interrupted']

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state)
}

interface EventBase {
  /** Position in the job's log, from 0. */
  seq: number
  /** ISO timestamp. */
  at: string
}

export interface StageEvent extends EventBase {
  type: 'stage'
  state: JobState
  /**
   * Set on a job's first event (queued), so the first line of a stream already says which job
   * it is and for whom, before any work starts.
   */
  jobId?: string
  client?: string
  /** Set with jobId: the task the job trains. */
  trainType?: TrainType
}

/** Why a queued job has not started yet. */
export type QueueWait =
  /** The client's previous job is still winding down. */
  | { kind: 'client'; client: string; jobId: string }
  /** The client's dataset is being synced on its own (the UI's Sync). */
  | { kind: 'sync'; client: string }
  /** Every training slot is taken: `running` lists the clients whose jobs hold them. */
  | { kind: 'slot'; concurrency: number; running: string[] }

/** A queued job says what it waits for, again whenever that changes. */
export interface QueuedEvent extends EventBase {
  type: 'queued'
  waitingFor: QueueWait
  /** The same in words: "waiting for client1's job to finish". */
  message: string
}

export interface ProgressEvent extends EventBase {
  type: 'progress'
  stage: 'syncing' | 'validating' | 'training' | 'exporting' | 'uploading'
  unit: 'files' | 'bytes' | 'images' | 'batches'
  done: number
  total: number
  /** Bytes for sync/upload alongside files. */
  bytesDone?: number
  bytesTotal?: number
  epoch?: number
}

/**
 * One epoch of a classifier. `task` is absent in runs recorded before detection existed: an epoch
 * without one is a classifier's.
 */
export interface ClassificationEpochMetrics {
  task?: 'classification'
  epoch: number
  epochs: number
  loss: number
  accuracy: number
  valLoss: number
  valAccuracy: number
  /** Training images per second in this epoch's training pass (validation not counted). */
  imagesPerSec: number
  /** Milliseconds since training started, at the end of this epoch. */
  elapsedMs: number
}

/** One epoch's metrics, per task: narrow on `task` (tasks/task-metrics.ts). */
export type EpochMetrics =
  ClassificationEpochMetrics | DetectionEpochMetrics | SegmentationEpochMetrics

export type EpochEvent = EventBase & EpochMetrics & { type: 'epoch' }

export interface LogEvent extends EventBase {
  type: 'log'
  level: 'info' | 'warn' | 'error'
  message: string
  /** Distributed mode: the fleet worker that took the job (its id), on the line saying so. */
  worker?: string
}

export interface ReportEvent extends EventBase {
  type: 'report'
  report: AnnotationReport
}

export interface ResultEvent extends EventBase {
  type: 'result'
  result: JobResult
}

export interface ErrorEvent extends EventBase {
  type: 'error'
  error: AppError
}

export type JobEvent =
  | StageEvent
  | QueuedEvent
  | ProgressEvent
  | EpochEvent
  | LogEvent
  | ReportEvent
  | ResultEvent
  | ErrorEvent

/** An event before the log gives it its place and time. */
export type JobEventInput = JobEvent extends infer E
  ? E extends JobEvent
    ? Omit<E, 'seq' | 'at'>
    : never
  : never

export interface ModelFile {
  key: string
  bytes: number
}

/** One class's scores on the validation split. */
export interface ClassScores {
  name: string
  /** Of the images predicted as this class, the share that are (0 when none are predicted). */
  precision: number
  /** Of the images of this class, the share predicted as it (0 when it has none). */
  recall: number
  f1: number
  /** Validation images of this class. */
  support: number
}

/** Validation counts: counts[actual][predicted], classes in `labels` order. */
export interface ConfusionCounts {
  labels: string[]
  counts: number[][]
}

/** A validation image the model got wrong, with how sure it was of its wrong answer. */
export interface Misclassification {
  file: string
  actual: string
  predicted: string
  /** The model's probability for the predicted class. */
  confidence: number
}

/** A classifier's run; `task` is absent in runs recorded before detection existed. */
export interface ClassificationTrainingMetrics {
  task?: 'classification'
  backend: BackendName
  epochs: ClassificationEpochMetrics[]
  /** Of the epoch whose weights the model keeps (the best one when training stopped early). */
  finalValAccuracy: number
  finalValLoss: number
  trainImages: number
  valImages: number
  classes: string[]
  /** Per class, in class order, on the validation split with the final weights. */
  perClass?: ClassScores[]
  confusionMatrix?: ConfusionCounts
  /** The most confidently misclassified validation images, most confident first (at most 10). */
  topMistakes?: Misclassification[]
  /** The epoch whose weights the model keeps. */
  bestEpoch?: number
  /** True when training ended before `epochs` because validation loss stopped improving. */
  stoppedEarly?: boolean
  /** Set for the transfer architecture: which backbone, and how much of its work was cached. */
  transfer?: TransferFacts
  /** Which images the validation scores are on, so two runs' scores can be compared fairly. */
  validationSet?: ValidationSetIdentity
}

/** A run's metrics, per task: narrow on `task` (tasks/task-metrics.ts). */
export type TrainingMetrics =
  ClassificationTrainingMetrics | DetectionTrainingMetrics | SegmentationTrainingMetrics

export interface TransferFacts {
  /** The backbone as given (path or URL). */
  backbone: string
  /** sha256 of the backbone's files: names its embedding cache. */
  backboneId: string
  /** [height, width, 3] the backbone takes. */
  inputShape: [number, number, number]
  embeddingSize: number
  /** Images the backbone ran on, and images whose embedding came from the cache. */
  embeddingsComputed: number
  embeddingsCached: number
  /** Backbone layers trained along with the head; empty with a frozen backbone. */
  fineTunedLayers: string[]
  /** Epochs of the fine-tuning stage, counted after the head's in `epochs`. */
  fineTuneEpochs: number
}

/** An image left out of training, and why (IMAGE_UNREADABLE: its file cannot be decoded). */
export interface SkippedImage {
  file: string
  code: string
  message: string
}

/** The last line of a /progress stream. Keeps the seed's keys ("Training", "Storing"). */
export interface JobResult {
  jobId: string
  client: string
  state: JobState
  Training: 'Succesfull' | 'Failed' | 'Interrupted' | 'Skipped'
  Storing: 'Succesfull' | 'Failed' | 'Interrupted' | 'Skipped'
  modelBucket?: string
  modelKeys?: ModelFile[]
  /** Where the model files stay when the upload did not happen. */
  localModelDir?: string
  metrics?: TrainingMetrics
  /** Milliseconds spent in each stage. */
  timings: Partial<Record<JobState, number>>
  error?: AppError
  report?: AnnotationReport
  /** Images left out of training (at most 100 listed; skippedImageCount counts them all). */
  skippedImages?: SkippedImage[]
  skippedImageCount?: number
  /** For a retried upload: the job whose model this one uploaded. */
  retryOf?: string
  /** Whether the stored set was also made the client's model (the root keys), and why. */
  promoted?: boolean
  promotion?: Promotion
  /** The job stopped with a training checkpoint kept: `resume=<its id>` continues it. */
  resumable?: boolean
  /** The last epoch the checkpoint holds. */
  checkpointEpoch?: number
  /** For a resumed run: the job it continued. */
  resumeOf?: string
  /** The preset backbone could not be downloaded: the job trained from scratch instead. */
  backboneFallback?: BackboneFallback
}

/** Why a job named a preset backbone and trained without it. */
export interface BackboneFallback {
  /** The preset the job asked for. */
  backbone: string
  /** BACKBONE_OFFLINE, with the download's failure in its details. */
  error: AppError
  /** What it trained instead. */
  architecture: TrainParams['architecture']
}

export interface JobSummary {
  id: string
  client: string
  trainType: TrainType
  params: TrainParams
  state: JobState
  createdAt: string
  updatedAt: string
  result?: JobResult
  /** Set on a job that only uploads the model an earlier job (this id) trained but did not store. */
  retryOf?: string
  /** Set on a job that continues an interrupted one (this id) from its checkpoint. */
  resumeOf?: string
  /** Distributed mode: the fleet worker that runs (or ran) the job. */
  worker?: string
}

export interface JobRecord extends JobSummary {
  events: JobEvent[]
}
