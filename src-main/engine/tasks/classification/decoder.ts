// Reads a classifier's softmax output: the classes with the highest probabilities, named by the
// categories of the dataset it was trained on (labels.json), so the caller sees COCO ids.

import type * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../../src-shared/errors'
import type { Prediction } from '../../../../src-shared/predictions'
import type { ClassInfo } from '../../../../src-shared/validate-annotations'
import type { PredictionDecoder } from '../prediction-decoder'

function decode(output: tf.Tensor, classes: readonly ClassInfo[], top: number): Prediction[] {
  const scores = output.dataSync()
  if (scores.length !== classes.length)
    throw new AppFailure(
      appError(
        'MODEL_UNREADABLE',
        `the model gives ${scores.length} scores but labels.json names ${classes.length} classes`,
      ),
    )
  return classes
    .map((info) => ({
      category_id: info.categoryId,
      category: info.name,
      score: scores[info.index] ?? 0,
    }))
    .sort((a, b) => b.score - a.score || a.category_id - b.category_id)
    .slice(0, top)
}

export const classificationDecoder: PredictionDecoder = { decode }
