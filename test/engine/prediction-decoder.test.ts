// The decoder registry and the classification decoder: a task without a decoder is refused by
// name, and a classifier's scores come back as COCO categories, best first, cut to `top`.

import type { TrainType } from '../../src-shared/train-params'
import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { toAppError } from '../../src-shared/errors'
import { predictionDecoderFor } from '../../src-main/engine/tasks/prediction-decoder'

const CLASSES = [
  { index: 0, categoryId: 10, name: 'circle' },
  { index: 1, categoryId: 4, name: 'square' },
  { index: 2, categoryId: 7, name: 'triangle' },
]

/** One image's outputs, as the predictor hands them over. */
function outputsOf(tensor: tf.Tensor) {
  return { tensors: [tensor], input: { width: 8, height: 8 }, image: { width: 30, height: 20 } }
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (thrown) {
    return toAppError(thrown).code
  }
  return undefined
}

describe('prediction decoders', () => {
  it('reads class scores as categories, highest first, at most top of them', () => {
    const decoder = predictionDecoderFor('classification')
    const output = tf.tensor2d([[0.2, 0.1, 0.7]])
    try {
      expect(decoder.decode(outputsOf(output), CLASSES, 2)).toEqual([
        { category_id: 7, category: 'triangle', score: expect.closeTo(0.7, 6) as number },
        { category_id: 10, category: 'circle', score: expect.closeTo(0.2, 6) as number },
      ])
    } finally {
      output.dispose()
    }
  })

  it('answers five classes unless asked otherwise', () => {
    expect(predictionDecoderFor('classification').defaultTop).toBe(5)
  })

  it('refuses output that does not match the labels, and tasks without a decoder', () => {
    const output = tf.tensor2d([[0.5, 0.5]])
    try {
      const decoder = predictionDecoderFor('classification')
      expect(codeOf(() => decoder.decode(outputsOf(output), CLASSES, 5))).toBe('MODEL_UNREADABLE')
      const twoOutputs = { ...outputsOf(output), tensors: [output, output] }
      expect(codeOf(() => decoder.decode(twoOutputs, CLASSES.slice(0, 2), 5))).toBe(
        'MODEL_UNREADABLE',
      )
    } finally {
      output.dispose()
    }
    // Every train type has a decoder now; a labels.json naming another task gets none.
    expect(codeOf(() => predictionDecoderFor('keypoints' as TrainType))).toBe(
      'MODEL_TASK_UNSUPPORTED',
    )
  })
})
