// The mask loss: binary cross-entropy of each object's assembled mask against its ground truth at
// the prototype resolution, inside its box only, weighted by 1 / box area and averaged over the
// batch's objects. Built from matrix products, elementwise ops and sums only, every one of which
// has a gradient on the wasm backend.

import * as tf from '@tensorflow/tfjs'
import type { MaskTargetTensors } from './mask-targets'

/**
 * `coefficients` [batch, headRows, headCols, k] and `prototypes` [batch, protoRows, protoCols, k]
 * as the model gives them; the targets from maskTargetTensors on the same grids.
 */
export function maskLoss(
  coefficients: tf.Tensor4D,
  prototypes: tf.Tensor4D,
  targets: MaskTargetTensors,
): tf.Scalar {
  return tf.tidy(() => {
    const [batch, headRows, headCols, k] = coefficients.shape
    const [, protoRows, protoCols] = prototypes.shape
    const coeffs = coefficients.reshape([batch, headRows * headCols, k])
    const protos = prototypes.reshape([batch, protoRows * protoCols, k])
    // [batch, slots, k]: each object's coefficients, picked by its one-hot row.
    const chosen = tf.matMul(targets.selection, coeffs)
    // [batch, slots, protoCells]: each object's mask logits.
    const logits = tf.matMul(chosen, protos, false, true)
    // Stable BCE with logits: max(l, 0) − l·t + log(1 + e^−|l|).
    const bce = tf
      .relu(logits)
      .sub(logits.mul(targets.target))
      .add(tf.softplus(tf.neg(tf.abs(logits))))
    const perObject = bce.mul(targets.crop).sum(2).mul(targets.weight)
    return perObject.sum().div(Math.max(1, targets.objects)) as tf.Scalar
  })
}
