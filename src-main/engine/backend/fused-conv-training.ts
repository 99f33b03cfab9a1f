// Convolution + bias + relu as one FusedConv2D while training, with its gradient. tfjs' fused op
// fuses only when nothing is recorded for gradients, so in training every conv layer is a Conv2D,
// a broadcast Add and a Relu forward, and a Step, a Multiply and a bias Sum (wasm transposes the
// whole gradient for that reduction) backward. Here the forward is the fused kernel (XNNPACK
// applies bias and clamp in its inner loop) and the activation's mask and the bias gradient come
// from one pass over the output, on wasm and cpu.

import * as tf from '@tensorflow/tfjs'
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs'
import { tensorAccess, TYPED_ARRAY_BACKENDS } from './typed-array-backends'

export const ACTIVATION_BIAS_GRAD = 'ActivationBiasGrad'
export type FusedActivation = 'relu' | 'linear'

interface FusedConvAttrs {
  strides: [number, number]
  pad: 'same' | 'valid'
  dataFormat: 'NHWC'
  dilations: [number, number]
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
  activation: FusedActivation
}

/**
 * dyAct = dy where the unit was active (y > 0 for relu), and its sum over all but the channels.
 * Multiplying by the mask as a number, as tfjs does (dy · step(y)), rather than branching: the
 * signs of a layer's outputs are as good as random, and mispredicted branches made this loop three
 * times slower.
 */
function maskAndSum(
  dy: Float32Array,
  y: Float32Array,
  out: Float32Array,
  sums: Float64Array,
): void {
  const channels = sums.length
  for (let i = 0; i < dy.length;)
    for (let c = 0; c < channels; c++, i++) {
      const g = dy[i]! * +(y[i]! > 0)
      out[i] = g
      sums[c]! += g
    }
}

function linearSum(dy: Float32Array, out: Float32Array, sums: Float64Array): void {
  out.set(dy)
  const channels = sums.length
  for (let i = 0; i < dy.length;) for (let c = 0; c < channels; c++, i++) sums[c]! += dy[i]!
}

function activationBiasGrad(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, y } = inputs as Record<'dy' | 'y', TensorInfo>
    const { activation } = attrs as unknown as { activation: FusedActivation }
    const io = tensorAccess(backendName, backend)
    const channels = dy.shape.at(-1) as number
    const sums = new Float64Array(channels)
    const dyAct = io.make(dy.shape, (out) => {
      if (activation === 'relu') maskAndSum(io.read(dy), io.read(y), out, sums)
      else linearSum(io.read(dy), out, sums)
    })
    return [dyAct, io.make([channels], (out) => out.set(sums))]
  }
}

const fusedConvGradient: tf.GradConfig = {
  kernelName: 'FusedConv2D',
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D]
    const a = attrs as unknown as FusedConvAttrs
    const [dyAct, dbias] = tf
      .engine()
      .runKernel(ACTIVATION_BIAS_GRAD, { dy, y } as unknown as tf.NamedTensorMap, {
        activation: a.activation,
      }) as [tf.Tensor4D, tf.Tensor1D]
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
      bias: () => dbias,
    }
  },
}

let registered = false

export function registerFusedConvTraining(): void {
  if (registered) return
  registered = true
  for (const backendName of TYPED_ARRAY_BACKENDS)
    tf.registerKernel({
      kernelName: ACTIVATION_BIAS_GRAD,
      backendName,
      kernelFunc: activationBiasGrad(backendName),
    })
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
