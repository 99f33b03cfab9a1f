// The messages between the core and its long-lived predictor worker: plain, structured-clone-safe
// requests (a cached model folder and an image's bytes) and answers tagged with the request's id.

import type { AppError } from '../../../src-shared/errors'
import type { Prediction } from '../../../src-shared/predictions'
import type { BackendName, TrainType } from '../../../src-shared/train-params'

/** The worker's workerData. */
export interface PredictorSetup {
  /** Forced backend; without it the worker picks the best that loads, as training does. */
  backend?: BackendName
}

export interface PredictRequest {
  type: 'predict'
  id: number
  /** A complete cached model folder (model.json, weights, labels.json); its path is its identity. */
  modelDir: string
  image: Uint8Array
  /** Predictions wanted; absent: the model task's default (5 classes, 100 boxes). */
  top?: number
}

export type PredictorMessage =
  | {
      type: 'predicted'
      id: number
      task: TrainType
      predictions: Prediction[]
      loadedModel: boolean
    }
  | { type: 'failed'; id: number; error: AppError }
