// The gradient of FusedBatchNorm without materialising per-channel factors at the input's full
// size. tfjs-core's version tiles 1/sqrt(variance) to the whole activation before multiplying,
// which on wasm (a generic Tile loop) was about half of a training step. Broadcasting multiplies
// the very same numbers, so results are identical on every backend.

import * as tf from '@tensorflow/tfjs'

export const fusedBatchNormGradient: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const gradient = dy as tf.Tensor
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor?]
    const { varianceEpsilon } = attrs as { varianceEpsilon: number }
    const scaleValue = scale ?? tf.scalar(1)
    const perChannel = mean.rank === 1
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape)
    const reduce = (t: tf.Tensor) => tf.reshape(perChannel ? tf.sum(t, axes) : t, mean.shape)
    const inverseStd = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)))
    const centred = tf.sub(x, mean)
    const scaledDy = tf.mul(gradient, scaleValue)
    const minusHalfInverseCube = tf.mul(
      tf.mul(tf.mul(inverseStd, inverseStd), inverseStd),
      tf.scalar(-0.5),
    )
    return {
      x: () => tf.reshape(tf.mul(tf.mul(gradient, inverseStd), scaleValue), x.shape),
      mean: () => reduce(tf.mul(tf.mul(inverseStd, tf.scalar(-1)), scaledDy)),
      variance: () => reduce(tf.mul(tf.mul(minusHalfInverseCube, centred), scaledDy)),
      scale: () => reduce(tf.mul(gradient, tf.mul(centred, inverseStd))),
      offset: () => reduce(gradient),
    }
  },
}

let registered = false

export function registerBatchNormGradient(): void {
  if (registered) return
  registered = true
  tf.registerGradient(fusedBatchNormGradient)
}
