// How a stored model's raw output is read: the decoder of its task, from the task registry. Every
// task brings its own decoder (classification: top classes by probability; detection and
// segmentation will add theirs: boxes after NMS, masks); the predictor names no task itself.

import type * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../src-shared/errors'
import type { Prediction } from '../../../src-shared/predictions'
import type { TrainType } from '../../../src-shared/train-params'
import type { ClassInfo } from '../../../src-shared/validate-annotations'
import { taskModule } from './registry'

export interface PredictionDecoder {
  /** Reads the model's output for one image (batch of one) into predictions, best first. */
  decode(output: tf.Tensor, classes: readonly ClassInfo[], top: number): Prediction[]
}

export function predictionDecoderFor(task: TrainType): PredictionDecoder {
  const decoder = taskModule(task)?.decoder
  if (decoder) return decoder
  throw new AppFailure(
    appError('MODEL_TASK_UNSUPPORTED', `models of the task ${task} cannot be tried yet`, {
      details: { task },
    }),
  )
}
