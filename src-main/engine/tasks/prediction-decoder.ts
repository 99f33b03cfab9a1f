// How a stored model's raw output is read: the decoder of its task, from the task registry. Every
// task brings its own decoder (classification: top classes by probability; detection: boxes after
// NMS, in the posted image's pixels); the predictor names no task itself.

import type * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../src-shared/errors'
import type { Prediction } from '../../../src-shared/predictions'
import type { TrainType } from '../../../src-shared/train-params'
import type { ClassInfo } from '../../../src-shared/validate-annotations'
import { taskDecoder } from './registry'

export interface PixelSize {
  width: number
  height: number
}

/** What a model gave for one image, and the sizes a decoder needs to place it in that image. */
export interface ModelOutputs {
  /** The model's outputs for a batch of one, in the model's output order. */
  tensors: readonly tf.Tensor[]
  /** The model input the image was stretched to. */
  input: PixelSize
  /** The posted image's own size, EXIF orientation applied (as it is shown). */
  image: PixelSize
}

export interface PredictionDecoder {
  /** How many predictions a caller gets when it names no `top`. */
  defaultTop: number
  /** Reads the model's outputs for one image into predictions, best first, at most `top`. */
  decode(outputs: ModelOutputs, classes: readonly ClassInfo[], top: number): Prediction[]
}

export function predictionDecoderFor(task: TrainType): PredictionDecoder {
  const decoder = taskDecoder(task)
  if (decoder) return decoder
  throw new AppFailure(
    appError('MODEL_TASK_UNSUPPORTED', `models of the task ${task} cannot be tried yet`, {
      details: { task },
    }),
  )
}
