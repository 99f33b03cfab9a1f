// A client's model versions: every run's model set kept under `runs/<job id>/` in its model
// bucket, and the promotion that decides which of them the root keys (the stored model) hold.

import type { ModelFile } from './job-events'
import type { TrainType } from './train-params'

/** Where a run's set is kept in the model bucket. */
export const RUNS_PREFIX = 'runs/'

export function versionPrefix(jobId: string): string {
  return `${RUNS_PREFIX}${jobId}/`
}

/**
 * Which validation images a model was scored on: equal ids mean the two scores are comparable.
 * `id` hashes the sorted validation file names with each file's content hash and label;
 * `datasetId` hashes every usable image (name, content hash, label) of the dataset trained on.
 */
export interface ValidationSetIdentity {
  id: string
  images: number
  datasetId: string
}

/** One side of a promotion's comparison. */
export interface PromotionScore {
  jobId?: string
  /** A classifier's score. */
  valAccuracy?: number
  /** A detector's score: COCO AP at IoU .5 on the validation images (a segmenter's: on masks). */
  valMap50?: number
  /** Set for tasks other than classification (the scores of records without it are a classifier's). */
  task?: TrainType
  valLoss: number
  validationSet?: ValidationSetIdentity
}

/** Why a run's model was promoted to the root keys or not. */
export interface Promotion {
  reason: string
  new: PromotionScore
  /** The model the root keys held before, when there was one with metrics. */
  stored?: PromotionScore
}

export interface ModelVersion {
  jobId: string
  /** `runs/<job id>/` */
  prefix: string
  /** When the run's set was stored (its model.h5's time in the bucket). */
  storedAt?: string
  /** True for the version the root keys hold. */
  promoted: boolean
  /** Full keys (`runs/<job id>/model.h5`, …), usable as download keys. */
  files: ModelFile[]
  metrics?: {
    /** Set for tasks other than classification. */
    task?: TrainType
    /** A classifier's score. */
    finalValAccuracy?: number
    /** A detector's score: validation mAP@.5 (COCOeval's); a segmenter's: mask mAP@.5. */
    finalValMap50?: number
    finalValLoss: number
    trainImages: number
    valImages: number
    epochs: number
    bestEpoch?: number
    validationSet?: ValidationSetIdentity
  }
}
