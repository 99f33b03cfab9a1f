// Reads a classifier's softmax output: the classes with the highest probabilities, named by the
// categories of the dataset it was trained on (labels.json), so the caller sees COCO ids.

import { AppFailure, appError } from '../../../../src-shared/errors'
import { PREDICT_DEFAULT_TOP, type Prediction } from '../../../../src-shared/predictions'
import type { ClassInfo } from '../../../../src-shared/validate-annotations'
import type { ModelOutputs, PredictionDecoder } from '../prediction-decoder'

function decode(outputs: ModelOutputs, classes: readonly ClassInfo[], top: number): Prediction[] {
  if (outputs.tensors.length !== 1)
    throw new AppFailure(
      appError(
        'MODEL_UNREADABLE',
        `a classifier has one output; this model has ${outputs.tensors.length}`,
      ),
    )
  const scores = (outputs.tensors[0] as ModelOutputs['tensors'][number]).dataSync()
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

export const classificationDecoder: PredictionDecoder = { defaultTop: PREDICT_DEFAULT_TOP, decode }
