// One job, one event log: every state change and progress step is one of these events. HTTP
// (NDJSON and SSE), IPC and the run history all carry exactly this union.

import type { AnnotationReport } from './annotation-report'
import type { AppError } from './errors'
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

export interface EpochMetrics {
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

export interface EpochEvent extends EventBase, EpochMetrics {
  type: 'epoch'
}

export interface LogEvent extends EventBase {
  type: 'log'
  level: 'info' | 'warn' | 'error'
  message: string
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
  StageEvent | ProgressEvent | EpochEvent | LogEvent | ReportEvent | ResultEvent | ErrorEvent

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

export interface TrainingMetrics {
  backend: BackendName
  epochs: EpochMetrics[]
  finalValAccuracy: number
  finalValLoss: number
  trainImages: number
  valImages: number
  classes: string[]
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
}

export interface JobRecord extends JobSummary {
  events: JobEvent[]
}
