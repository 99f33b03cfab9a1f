// Convolution + bias + relu as one FusedConv2D while training, with its gradient. tfjs' fused op
// fuses only when nothing is recorded for gradients, so in training every conv layer is a Conv2D,
// a broadcast Add and a Relu forward. Here the forward is the fused kernel (XNNPACK applies bias
// and clamp in its inner loop); the gradient is tfjs' own for that composition (dy · step(y), its
// sum for the bias, the two convolution gradients), with the wasm kernels for each: measured
// faster than doing the mask and the sum in one JavaScript pass.

import * as tf from '@tensorflow/tfjs'
import { TYPED_ARRAY_BACKENDS } from './typed-array-backends'

export type FusedActivation = 'relu' | 'linear'

interface FusedConvAttrs {
  strides: [number, number]
  pad: 'same' | 'valid'
  dataFormat: 'NHWC'
  dilations: [number, number]
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
  activation: FusedActivation
}

const fusedConvGradient: tf.GradConfig = {
  kernelName: 'FusedConv2D',
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D]
    const a = attrs as unknown as FusedConvAttrs
    const dyAct = a.activation === 'relu' ? tf.mul(dy as tf.Tensor, tf.step(y)) : (dy as tf.Tensor)
    const conv = {
      strides: a.strides,
      pad: a.pad,
      dataFormat: a.dataFormat,
      dimRoundingMode: a.dimRoundingMode,
    } as unknown as tf.NamedAttrMap
    return {
      x: () =>
        tf
          .engine()
          .runKernel('Conv2DBackpropInput', { dy: dyAct, filter } as unknown as tf.NamedTensorMap, {
            ...conv,
            inputShape: x.shape,
          }) as tf.Tensor,
      filter: () =>
        tf
          .engine()
          .runKernel('Conv2DBackpropFilter', { x, dy: dyAct } as unknown as tf.NamedTensorMap, {
            ...conv,
            filterShape: filter.shape,
          }) as tf.Tensor,
      // One [positions, channels] reduction: wasm's Sum moves reduced axes innermost first, and
      // that transpose is cheaper on a matrix than on the 4-D tensor (conv1 of the reference
      // network, 64×26×26×32: 4.4 → 2.8 cpu-ms; all of its step's Sums 7.7 → 4.1-4.4).
      bias: () => tf.sum(tf.reshape(dyAct, [-1, dyAct.shape[3] as number]), 0),
    }
  },
}

let registered = false

export function registerFusedConvTraining(): void {
  if (registered) return
  registered = true
  tf.registerGradient(fusedConvGradient)
}

export function hasFusedConvTraining(): boolean {
  return registered && (TYPED_ARRAY_BACKENDS as readonly string[]).includes(tf.getBackend())
}

/**
 * activation(conv2d(x, filter) + bias), NHWC, unit dilation, recorded for gradients as one
 * kernel. Needs `registerFusedConvTraining` and wasm or cpu.
 */
export function fusedConvInTraining(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  conv: { strides: [number, number]; pad: 'same' | 'valid'; activation: FusedActivation },
): tf.Tensor4D {
  return tf.engine().runKernel('FusedConv2D', { x, filter, bias } as unknown as tf.NamedTensorMap, {
    strides: conv.strides,
    pad: conv.pad,
    dataFormat: 'NHWC',
    dilations: [1, 1],
    activation: conv.activation,
  }) as tf.Tensor4D
}
