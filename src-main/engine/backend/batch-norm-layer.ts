// Keras' BatchNormalization layer, trained through the two batch-norm kernels instead of tfjs'
// chain of moments and broadcast ops. It is the stock layer in every other respect: same class
// name, config and weights, so saved and exported models are plain BatchNormalization layers
// and load anywhere. Inference, other backends and other axes take the stock code path.

import * as tf from '@tensorflow/tfjs'
import {
  batchNormInTraining,
  hasTrainingBatchNorm,
  registerTrainingBatchNorm,
} from './batch-norm-training'

type BatchNormArgs = Parameters<typeof tf.layers.batchNormalization>[0]
type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor

/** What the stock layer keeps and this one reads (public fields of the tfjs class). */
interface StockBatchNorm {
  axis: number
  momentum: number
  epsilon: number
  center: boolean
  scale: boolean
  gamma: tf.LayerVariable
  beta: tf.LayerVariable
  movingMean: tf.LayerVariable
  movingVariance: tf.LayerVariable
}

type LayerClass = new (args: BatchNormArgs) => tf.layers.Layer
// tfjs exports the layer only through its factory; the class is the prototype's constructor. The
// probe is named so that it takes no number from Keras' default-name counter.
const StockLayer = Object.getPrototypeOf(
  tf.layers.batchNormalization({ name: 'batch_normalization_class_probe' }),
).constructor as LayerClass

class TrainingBatchNormalization extends StockLayer {
  // The stock name: toJSON and the Keras export write this, so the model stays stock.
  static className = 'BatchNormalization'

  constructor(args: BatchNormArgs) {
    super(args)
    registerTrainingBatchNorm()
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const stockCall = super.call.bind(this) as LayerCall
    const input = Array.isArray(inputs) ? inputs[0] : inputs
    const layer = this as unknown as StockBatchNorm
    const lastAxis = layer.axis === -1 || layer.axis === (input?.rank ?? 0) - 1
    if (
      kwargs.training !== true ||
      input === undefined ||
      input.dtype !== 'float32' ||
      !lastAxis ||
      !layer.center ||
      !layer.scale ||
      !hasTrainingBatchNorm()
    )
      return stockCall(inputs, kwargs)
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormInTraining(
        input,
        layer.gamma.read() as tf.Tensor1D,
        layer.beta.read() as tf.Tensor1D,
        layer.epsilon,
      )
      // The stock layer's moving-average update, step for step.
      const decay = 1 - layer.momentum
      for (const [variable, value] of [
        [layer.movingMean, mean],
        [layer.movingVariance, variance],
      ] as const)
        tf.tidy(() => {
          const current = variable.read()
          variable.write(tf.sub(current, tf.mul(tf.sub(current, value), decay)))
        })
      return y
    })
  }
}

/** tf.layers.batchNormalization with the fast training path. */
export function batchNormalization(args: BatchNormArgs): tf.layers.Layer {
  return new TrainingBatchNormalization(args)
}
