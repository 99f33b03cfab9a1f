// One optimisation step and one evaluation pass of a softmax classifier, shared by the training
// loop and the benchmark so that both measure the same work.

import * as tf from '@tensorflow/tfjs'

/** Keras' categorical cross-entropy on probabilities (the model ends in softmax). */
function crossEntropy(probs: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number): tf.Scalar {
  const clipped = tf.clipByValue(probs, 1e-7, 1 - 1e-7)
  const picked = tf.sum(tf.mul(tf.oneHot(labels, numClasses), tf.log(clipped)), -1)
  return tf.neg(tf.mean(picked)) as tf.Scalar
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

export type TrainStep = (images: tf.Tensor4D, labels: tf.Tensor1D) => StepResult

export function classifierTrainStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  numClasses: number,
): TrainStep {
  // Only this model's weights: other models alive in the process must not be touched.
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable)
  return (images, labels) => {
    let correct: tf.Scalar | undefined
    const loss = optimizer.minimize(
      () => {
        const probs = model.apply(images, { training: true }) as tf.Tensor2D
        correct = tf.keep(correctCount(probs, labels))
        return crossEntropy(probs, labels, numClasses)
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
  images: tf.Tensor4D,
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
