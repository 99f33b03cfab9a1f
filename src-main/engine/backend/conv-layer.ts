// Keras' Conv2D layer, trained through one fused convolution + bias + relu kernel instead of
// tfjs' separate ops (see fused-conv-training). It is the stock layer in every other respect:
// same class name, config and weights, so saved and exported models are plain Conv2D layers.
// Inference, other activations, layouts, dilations and backends take the stock code path.

import * as tf from '@tensorflow/tfjs'
import {
  fusedConvInTraining,
  hasFusedConvTraining,
  registerFusedConvTraining,
  type FusedActivation,
} from './fused-conv-training'

type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0]
type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor

/** What the stock layer keeps and this one reads (fields of the tfjs class). */
interface StockConv2D {
  strides: [number, number]
  padding: string
  dataFormat: string
  dilationRate: [number, number]
  activation: { getClassName(): string }
  kernel: tf.LayerVariable
  bias: tf.LayerVariable | null
}

type LayerClass = new (args: Conv2DArgs) => tf.layers.Layer
// tfjs exports the layer only through its factory; the class is the prototype's constructor. The
// probe is named so that it takes no number from Keras' default-name counter.
const StockLayer = Object.getPrototypeOf(
  tf.layers.conv2d({ filters: 1, kernelSize: 1, name: 'conv2d_class_probe' }),
).constructor as LayerClass

function fusableActivation(name: string): FusedActivation | undefined {
  return name === 'relu' || name === 'linear' ? name : undefined
}

class TrainingConv2D extends StockLayer {
  // The stock name: toJSON and the Keras export write this, so the model stays stock.
  static className = 'Conv2D'

  constructor(args: Conv2DArgs) {
    super(args)
    registerFusedConvTraining()
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const stockCall = super.call.bind(this) as LayerCall
    const input = Array.isArray(inputs) ? inputs[0] : inputs
    const layer = this as unknown as StockConv2D
    const activation = fusableActivation(layer.activation.getClassName())
    if (
      kwargs.training !== true ||
      input?.rank !== 4 ||
      input.dtype !== 'float32' ||
      activation === undefined ||
      layer.bias === null ||
      layer.dataFormat !== 'channelsLast' ||
      (layer.padding !== 'same' && layer.padding !== 'valid') ||
      layer.dilationRate.some((rate) => rate !== 1) ||
      !hasFusedConvTraining()
    )
      return stockCall(inputs, kwargs)
    return fusedConvInTraining(
      input as tf.Tensor4D,
      layer.kernel.read() as tf.Tensor4D,
      layer.bias.read() as tf.Tensor1D,
      { strides: layer.strides, pad: layer.padding, activation },
    )
  }
}

/** tf.layers.conv2d with the fused training path. */
export function conv2d(args: Conv2DArgs): tf.layers.Layer {
  return new TrainingConv2D(args)
}
