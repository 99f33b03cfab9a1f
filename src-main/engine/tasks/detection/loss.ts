// The detector's loss (CenterNet's): penalty-reduced focal loss on the heatmap (α = 2, β = 4)
// plus 0.1 × L1 on box sizes and 1 × L1 on centre offsets, each normalised by the batch's object
// count. Centre cells are picked with masks (multiplications), never gathers: the wasm backend
// cannot differentiate a gather, and a mask costs little at stride 4.

import * as tf from '@tensorflow/tfjs'
import type { DetectionTargets } from './targets'

export const FOCAL_ALPHA = 2
export const FOCAL_BETA = 4
export const SIZE_WEIGHT = 0.1
export const OFFSET_WEIGHT = 1
/** Probabilities are kept this far from 0 and 1 so the logs stay finite. */
const EPSILON = 1e-4

export interface TargetTensors {
  heatmap: tf.Tensor4D
  centres: tf.Tensor4D
  weight: tf.Tensor4D
  size: tf.Tensor4D
  offset: tf.Tensor4D
  centreMask: tf.Tensor4D
  /** max(1, objects), the normaliser. */
  objects: number
}

export interface DetectionLossParts {
  heatmap: tf.Scalar
  box: tf.Scalar
  total: tf.Scalar
}

/** The targets as tensors, for one loss evaluation; the caller disposes them. */
export function targetTensors(t: DetectionTargets): TargetTensors {
  const maps = (values: Float32Array, channels: number) =>
    tf.tensor4d(values, [t.count, t.rows, t.cols, channels], 'float32')
  return {
    heatmap: maps(t.heatmap, t.classes),
    centres: maps(t.centres, t.classes),
    weight: maps(t.weight, t.classes),
    size: maps(t.size, 2),
    offset: maps(t.offset, 2),
    centreMask: maps(t.centreMask, 1),
    objects: Math.max(1, t.objects),
  }
}

export function disposeTargets(t: TargetTensors): void {
  for (const tensor of [t.heatmap, t.centres, t.weight, t.size, t.offset, t.centreMask])
    tensor.dispose()
}

/** Penalty-reduced focal loss: positives at centres, negatives damped by (1 − target)^β near them. */
export function focalLoss(predicted: tf.Tensor, t: TargetTensors): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(predicted, EPSILON, 1 - EPSILON)
    const oneMinusP = tf.sub(1, p)
    // α = 2: the squares are products, which every backend differentiates cheaply.
    const positive = tf.mul(tf.mul(tf.square(oneMinusP), tf.log(p)), t.centres)
    const damping = tf.square(tf.square(tf.sub(1, t.heatmap)))
    const negative = tf.mul(
      tf.mul(tf.mul(damping, tf.square(p)), tf.log(oneMinusP)),
      tf.sub(1, t.centres),
    )
    const summed = tf.sum(tf.mul(tf.add(positive, negative), t.weight))
    return tf.div(tf.neg(summed), t.objects) as tf.Scalar
  })
}

/** L1 at centre cells, summed over both channels, per object. */
function maskedL1(predicted: tf.Tensor, target: tf.Tensor, t: TargetTensors): tf.Scalar {
  return tf.tidy(
    () =>
      tf.div(
        tf.sum(tf.mul(tf.abs(tf.sub(predicted, target)), t.centreMask)),
        t.objects,
      ) as tf.Scalar,
  )
}

/** The three outputs (in DETECTION_OUTPUT_NAMES order) against the targets. */
export function detectionLoss(outputs: tf.Tensor[], t: TargetTensors): DetectionLossParts {
  const [heatmap, size, offset] = outputs as [tf.Tensor, tf.Tensor, tf.Tensor]
  const heat = focalLoss(heatmap, t)
  const box = tf.tidy(
    () =>
      tf.add(
        tf.mul(maskedL1(size, t.size, t), SIZE_WEIGHT),
        tf.mul(maskedL1(offset, t.offset, t), OFFSET_WEIGHT),
      ) as tf.Scalar,
  )
  return { heatmap: heat, box, total: tf.add(heat, box) }
}
