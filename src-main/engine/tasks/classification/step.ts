// One optimisation step and one evaluation pass of a softmax classifier, shared by the training
// loop and the benchmark so that both measure the same work.

import * as tf from '@tensorflow/tfjs'
import { asSampleSet, type ImageSet, type SampleSet } from '../../data/image-batches'

/**
 * Keras' categorical cross-entropy on probabilities (the model ends in softmax). With class
 * weights each image's loss is scaled by its class's weight before the mean, as Keras'
 * class_weight does.
 */
function crossEntropy(
  probs: tf.Tensor2D,
  labels: tf.Tensor1D,
  numClasses: number,
  classWeights?: readonly number[],
): tf.Scalar {
  const clipped = tf.clipByValue(probs, 1e-7, 1 - 1e-7)
  const picked = tf.sum(tf.mul(tf.oneHot(labels, numClasses), tf.log(clipped)), -1)
  const weighted =
    classWeights === undefined
      ? picked
      : tf.mul(picked, tf.gather(tf.tensor1d([...classWeights], 'float32'), labels))
  return tf.neg(tf.mean(weighted)) as tf.Scalar
}

function correctCount(probs: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(probs, -1), labels), 'float32'))
}

export interface StepResult {
  /** Mean loss over the batch. */
  loss: number
  /** Images of the batch the model classified right. */
  correct: number
}

export type TrainStep = (images: tf.Tensor, labels: tf.Tensor1D) => StepResult

export function classifierTrainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  numClasses: number,
  /** Per-class loss weights; without them every image counts the same. */
  classWeights?: readonly number[],
): TrainStep {
  // Only this model's weights: other models alive in the process must not be touched.
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable)
  return (images, labels) => {
    let correct: tf.Scalar | undefined
    const loss = optimizer.minimize(
      () => {
        const probs = model.apply(images, { training: true }) as tf.Tensor2D
        correct = tf.keep(correctCount(probs, labels))
        return crossEntropy(probs, labels, numClasses, classWeights)
      },
      true,
      variables,
    )
    try {
      return { loss: loss?.dataSync()[0] ?? NaN, correct: correct?.dataSync()[0] ?? 0 }
    } finally {
      loss?.dispose()
      correct?.dispose()
    }
  }
}

/** Summed loss and correct count of the model (inference mode) over one batch. */
export function evaluateBatch(
  model: tf.LayersModel,
  images: tf.Tensor,
  labels: tf.Tensor1D,
  numClasses: number,
): { lossSum: number; correct: number } {
  const [loss, correct] = tf.tidy(() => {
    const probs = model.predict(images) as tf.Tensor2D
    return [
      tf.mul(crossEntropy(probs, labels, numClasses), images.shape[0]),
      correctCount(probs, labels),
    ]
  })
  try {
    return { lossSum: loss.dataSync()[0] ?? NaN, correct: correct.dataSync()[0] ?? 0 }
  } finally {
    loss.dispose()
    correct.dispose()
  }
}

/** The model's class probabilities (inference mode) for every row of `set`, row by row. */
export function predictProbabilities(
  model: tf.LayersModel,
  given: SampleSet | ImageSet,
  batchSize: number,
): Float32Array {
  const set = asSampleSet(given)
  let rows: Float32Array | undefined
  for (let start = 0; start < set.count; start += batchSize) {
    const indices = Array.from(
      { length: Math.min(batchSize, set.count - start) },
      (_, i) => start + i,
    )
    const images = set.batch(indices)
    try {
      const probs = model.predict(images) as tf.Tensor2D
      try {
        const values = probs.dataSync() as Float32Array
        const classes = probs.shape[1]
        rows ??= new Float32Array(set.count * classes)
        rows.set(values, start * classes)
      } finally {
        probs.dispose()
      }
    } finally {
      images.dispose()
    }
  }
  return rows ?? new Float32Array(0)
}
