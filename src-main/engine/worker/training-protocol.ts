// The messages between a job and its training worker: one request in (as workerData), a stream of
// plain, structured-clone-safe messages out. Nothing here holds tensors or functions.
// Which task a request trains is read here too, so both ends agree on it.

import { AppFailure, appError, type AppError } from '../../../src-shared/errors'
import type { EpochMetrics, TrainingMetrics } from '../../../src-shared/job-events'
import type {
  DetectionEpochMetrics,
  DetectionTrainingMetrics,
} from '../../../src-shared/tasks/detection-metrics'
import type { BackendName, TrainParams, TrainType } from '../../../src-shared/train-params'
import type {
  SegmentationEpochMetrics,
  SegmentationTrainingMetrics,
} from '../../../src-shared/tasks/segmentation-metrics'
import type { DetectionLabelsSpec } from '../../../src-shared/tasks/detection-output'
import type { ClassInfo, ClassificationItem } from '../../../src-shared/validate-annotations'

export interface TrainingRequest {
  /** The kind of model to train; absent: a classifier, the one task trained so far. */
  task?: TrainType
  /** The dataset folder; image files are under `images/`. */
  datasetRoot: string
  classes: ClassInfo[]
  items: ClassificationItem[]
  params: TrainParams
  /** Forced backend; without it the worker picks the best that loads. */
  backend?: BackendName
  /** Where the model files go (created if missing). */
  outDir: string
  /** The app's cache folder; decoded pixels are kept under `pixels/` for later runs. */
  cacheDir: string
  /**
   * The home folder: downloaded backbones are kept in it, and relative backbone paths start from
   * it. Default: the folder above cacheDir.
   */
  home?: string
  /** XNNPACK threads for the wasm backend; default: the available cores, at most 4. */
  threads?: number
  /** Share of the images that may fail to decode and be skipped (default 0.2); above it the run fails. */
  maxBadImageShare?: number
  /** Limits on downloading a backbone by URL (bytes, milliseconds); defaults when absent. */
  backboneMaxBytes?: number
  backboneTimeoutMs?: number
  /** Where preset backbones are fetched from instead of their public origin (see backbone-presets). */
  backbonePresetBase?: string
  /**
   * The configured training memory limit (0: half of the machine's); checked again once the
   * backend and a backbone's input size are known. Absent: not checked.
   */
  memoryLimitBytes?: number
  /**
   * Checkpoints: after every epoch the loop's state is saved into `dir` (every task's model trained
   * from scratch; transfer runs are not checkpointed). With `resumeFrom` the run continues that
   * checkpoint, which must carry the same datasetFingerprint and params.
   */
  checkpoint?: { dir: string; datasetFingerprint: string; resumeFrom?: string }
}

export type TrainingMessage =
  | { type: 'backend'; backend: BackendName }
  | {
      type: 'progress'
      stage: 'training' | 'exporting'
      unit: 'images' | 'batches' | 'files' | 'bytes'
      done: number
      total: number
      epoch?: number
    }
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'done'; metrics: TrainingMetrics; files: string[] }
  | { type: 'error'; error: AppError }
  | { type: 'stopped' }

/**
 * A detection or segmentation run's stream: the same messages, with its task's metrics in 'epoch' and 'done'. Typed
 * apart until the job side's event union carries each task's metrics; then it folds into
 * TrainingMessage.
 */
export type DetectionTrainingMessage =
  | Exclude<TrainingMessage, { type: 'epoch' | 'done' }>
  | { type: 'epoch'; metrics: EpochMetrics | DetectionEpochMetrics | SegmentationEpochMetrics }
  | {
      type: 'done'
      metrics: TrainingMetrics | DetectionTrainingMetrics | SegmentationTrainingMetrics
      files: string[]
    }

/**
 * From the job to its worker: 'stop' comes just before the thread is terminated, so the worker
 * closes its cache files first; it answers 'stopped'.
 */
export type TrainingControl = { type: 'stop' }

/**
 * The task to train: the parameters' own, else the request's, else a classifier (requests and
 * parameters from before either said). When both say, they must agree.
 */
export function requestTask(request: Pick<TrainingRequest, 'task' | 'params'>): TrainType {
  const { task } = request.params
  if (task !== undefined && request.task !== undefined && task !== request.task)
    throw new AppFailure(
      appError('INVALID_PARAMETER', `the parameters train ${task}, the request ${request.task}`, {
        field: 'task',
        details: { params: task, request: request.task },
      }),
    )
  return task ?? request.task ?? 'classification'
}

/** The files a finished run leaves in outDir. */
export const MODEL_FILES = {
  keras: 'model.h5',
  tfjsModel: 'model.json',
  tfjsWeights: 'weights.bin',
  labels: 'labels.json',
  metrics: 'metrics.json',
} as const

/** labels.json: how to feed the model and read its output. */
export interface LabelsFile {
  /** The task the model was trained for; models stored before it was written are classifiers. */
  task?: TrainType
  classes: ClassInfo[]
  /** [height, width, channels] of the model input. */
  inputSize: [number, number, 3]
  /** Pixel values as the model expects them: raw 0–255, it scales them itself. */
  inputRange: [0, 255]
  channels: 'RGB'
  /** How images were brought to inputSize ('fill': stretched, aspect ratio not kept). */
  resizeMode: string
  /** A detector's outputs and how they become boxes (task 'obj_detection' only). */
  detection?: DetectionLabelsSpec
}

/** What metrics.json adds to the run's metrics, whatever its task. */
export interface MetricsFileExtras {
  params: TrainParams
  threads: number
  skippedImages: { file: string; message: string }[]
}

/** metrics.json: the run's metrics, what it was trained with, and which images were left out. */
export type MetricsFile = TrainingMetrics & MetricsFileExtras
