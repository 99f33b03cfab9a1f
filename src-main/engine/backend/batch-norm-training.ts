// Batch normalisation in training mode as two kernels: one pass set for the batch statistics and
// the normalised output, one for the whole gradient. Through tfjs ops the same layer is a chain of
// moments, broadcast arithmetic and their gradients (a dozen full-size tensors per layer, most of
// them through wasm's generic broadcasting loops), which was about a third of a small CNN's step.
// The gradient is the closed form through the batch statistics, so it equals what the op chain
// computes up to rounding. Registered on wasm and cpu, whose tensors are plain Float32Arrays.

import * as tf from '@tensorflow/tfjs'
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs'
import { tensorAccess, TYPED_ARRAY_BACKENDS } from './typed-array-backends'

export const TRAINING_BATCH_NORM = 'TrainingBatchNorm'
export const TRAINING_BATCH_NORM_GRAD = 'TrainingBatchNormGrad'

interface Attrs {
  varianceEpsilon: number
}

// The loops below take every array as a parameter: V8 compiles them to tight code only when no
// array is a variable captured (and reassigned) in a closure.

/** Per-channel mean and (two-pass, as tf.moments) variance of channels-last `x`. */
function batchStatistics(x: Float32Array, mean: Float64Array, variance: Float64Array): void {
  const channels = mean.length
  const count = x.length / channels
  for (let i = 0; i < x.length;) for (let c = 0; c < channels; c++, i++) mean[c]! += x[i]!
  for (let c = 0; c < channels; c++) mean[c]! /= count
  for (let i = 0; i < x.length;)
    for (let c = 0; c < channels; c++, i++) {
      const centred = x[i]! - mean[c]!
      variance[c]! += centred * centred
    }
  for (let c = 0; c < channels; c++) variance[c]! /= count
}

function normalise(
  x: Float32Array,
  out: Float32Array,
  mean: Float64Array,
  factor: Float64Array,
  offset: Float32Array,
): void {
  const channels = mean.length
  for (let i = 0; i < x.length;)
    for (let c = 0; c < channels; c++, i++) out[i] = (x[i]! - mean[c]!) * factor[c]! + offset[c]!
}

/** Σ dy and Σ dy·x̂ per channel. */
function gradientSums(
  dy: Float32Array,
  x: Float32Array,
  mean: Float64Array,
  inverseStd: Float64Array,
  sumDy: Float64Array,
  sumDyXhat: Float64Array,
): void {
  const channels = mean.length
  for (let i = 0; i < x.length;)
    for (let c = 0; c < channels; c++, i++) {
      const g = dy[i]!
      sumDy[c]! += g
      sumDyXhat[c]! += g * (x[i]! - mean[c]!) * inverseStd[c]!
    }
}

function inputGradient(
  dy: Float32Array,
  x: Float32Array,
  out: Float32Array,
  mean: Float64Array,
  inverseStd: Float64Array,
  factor: Float64Array,
  meanDy: Float64Array,
  meanDyXhat: Float64Array,
): void {
  const channels = mean.length
  for (let i = 0; i < x.length;)
    for (let c = 0; c < channels; c++, i++) {
      const xhat = (x[i]! - mean[c]!) * inverseStd[c]!
      out[i] = factor[c]! * (dy[i]! - meanDy[c]! - xhat * meanDyXhat[c]!)
    }
}

/** y = scale·(x − mean)/√(variance + ε) + offset with the batch's own per-channel statistics. */
function trainingBatchNorm(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, scale, offset } = inputs as Record<'x' | 'scale' | 'offset', TensorInfo>
    const { varianceEpsilon } = attrs as unknown as Attrs
    const io = tensorAccess(backendName, backend)
    const channels = x.shape.at(-1) as number
    const mean = new Float64Array(channels)
    const variance = new Float64Array(channels)
    batchStatistics(io.read(x), mean, variance)
    const meanOut = io.make([channels], (out) => out.set(mean))
    const varianceOut = io.make([channels], (out) => out.set(variance))
    const y = io.make(x.shape, (out) => {
      const gamma = io.read(scale)
      // The float32 variance, as the gradient will read it back.
      const factor = Float64Array.from(
        variance,
        (v, c) => gamma[c]! / Math.sqrt(Math.fround(v) + varianceEpsilon),
      )
      normalise(io.read(x), out, mean, factor, io.read(offset))
    })
    return [y, meanOut, varianceOut]
  }
}

/**
 * With x̂ = (x − mean)/σ: dx = scale/σ · (dy − mean(dy) − x̂·mean(dy·x̂)), dscale = Σ dy·x̂,
 * doffset = Σ dy — the gradient through the batch statistics as well as the normalisation.
 */
function trainingBatchNormGrad(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, x, mean, variance, scale } = inputs as Record<
      'dy' | 'x' | 'mean' | 'variance' | 'scale',
      TensorInfo
    >
    const { varianceEpsilon } = attrs as unknown as Attrs
    const io = tensorAccess(backendName, backend)
    const channels = x.shape.at(-1) as number
    const mu = Float64Array.from(io.read(mean))
    const inverseStd = Float64Array.from(
      io.read(variance),
      (v) => 1 / Math.sqrt(v + varianceEpsilon),
    )
    const sumDy = new Float64Array(channels)
    const sumDyXhat = new Float64Array(channels)
    gradientSums(io.read(dy), io.read(x), mu, inverseStd, sumDy, sumDyXhat)
    const dscale = io.make([channels], (out) => out.set(sumDyXhat))
    const doffset = io.make([channels], (out) => out.set(sumDy))
    const count = io.read(x).length / channels
    const dx = io.make(x.shape, (out) => {
      const gamma = io.read(scale)
      const factor = Float64Array.from(inverseStd, (s, c) => gamma[c]! * s)
      const meanDy = Float64Array.from(sumDy, (sum) => sum / count)
      const meanDyXhat = Float64Array.from(sumDyXhat, (sum) => sum / count)
      inputGradient(io.read(dy), io.read(x), out, mu, inverseStd, factor, meanDy, meanDyXhat)
    })
    return [dx, dscale, doffset]
  }
}

const trainingBatchNormGradient: tf.GradConfig = {
  kernelName: TRAINING_BATCH_NORM,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    // Only y feeds the loss; mean and variance go to the moving averages, outside the tape.
    const dy = (dys as tf.Tensor[])[0] as tf.Tensor
    const [x, scale, mean, variance] = saved as tf.Tensor[]
    const [dx, dscale, doffset] = tf
      .engine()
      .runKernel(
        TRAINING_BATCH_NORM_GRAD,
        { dy, x, mean, variance, scale } as unknown as tf.NamedTensorMap,
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor[]
    return { x: () => dx!, scale: () => dscale!, offset: () => doffset! }
  },
}

let registered = false

/** Installs both kernels on wasm and cpu and the gradient that joins them. */
export function registerTrainingBatchNorm(): void {
  if (registered) return
  registered = true
  for (const backendName of TYPED_ARRAY_BACKENDS) {
    tf.registerKernel({
      kernelName: TRAINING_BATCH_NORM,
      backendName,
      kernelFunc: trainingBatchNorm(backendName),
    })
    tf.registerKernel({
      kernelName: TRAINING_BATCH_NORM_GRAD,
      backendName,
      kernelFunc: trainingBatchNormGrad(backendName),
    })
  }
  tf.registerGradient(trainingBatchNormGradient)
}

/** Whether the active backend has the kernels (other backends keep tfjs' op chain). */
export function hasTrainingBatchNorm(): boolean {
  return registered && (TYPED_ARRAY_BACKENDS as readonly string[]).includes(tf.getBackend())
}

/**
 * Normalises `x` over every axis but the last with the batch's statistics; returns the output and
 * the statistics (for the moving averages). Needs `registerTrainingBatchNorm` and wasm or cpu.
 */
export function batchNormInTraining(
  x: tf.Tensor,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  varianceEpsilon: number,
): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const [y, mean, variance] = tf
    .engine()
    .runKernel(
      TRAINING_BATCH_NORM,
      { x, scale, offset } as unknown as tf.NamedTensorMap,
      { varianceEpsilon } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[]
  return { y: y!, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D }
}
