// The arithmetic of one training step, read from a model's layers: for each Conv2D and Dense
// layer, the three products training runs (forward, the gradient towards its input, the gradient
// towards its weights) with their shapes and FLOPs (a multiply-add counts two). Pooling, ReLU,
// softmax and the optimiser are left out: they are memory-bound and small beside these.

import type * as tf from '@tensorflow/tfjs'

export type KernelRole = 'forward' | 'backprop-input' | 'backprop-filter'

export type LayerKernel =
  | {
      layer: string
      op: 'conv2d'
      role: KernelRole
      flops: number
      /** [batch, h, w, channels] into the layer, NHWC. */
      input: [number, number, number, number]
      /** [kh, kw, in, out]. */
      filter: [number, number, number, number]
      /** [batch, h, w, out] out of the layer ('valid' padding, stride 1). */
      output: [number, number, number, number]
    }
  | {
      layer: string
      op: 'matmul'
      role: KernelRole
      flops: number
      /** [batch, in] · [in, units]. */
      input: [number, number]
      units: number
    }

const ROLES: readonly KernelRole[] = ['forward', 'backprop-input', 'backprop-filter']

function dims(shape: readonly (number | null)[], batch: number): number[] {
  return shape.map((size, axis) => (axis === 0 ? batch : (size ?? 0)))
}

/**
 * The big products of one step at `batch` images. The first weighted layer needs no gradient
 * towards its input (nothing before it learns), so it has none.
 */
export function stepKernels(model: tf.LayersModel, batch: number): LayerKernel[] {
  const kernels: LayerKernel[] = []
  let first = true
  for (const layer of model.layers) {
    const kind = layer.getClassName()
    if (kind !== 'Conv2D' && kind !== 'Dense') continue
    const inShape = dims((layer.input as tf.SymbolicTensor).shape, batch)
    const outShape = dims((layer.output as tf.SymbolicTensor).shape, batch)
    const roles = first ? ROLES.filter((role) => role !== 'backprop-input') : ROLES
    first = false
    for (const role of roles) {
      if (kind === 'Conv2D') {
        const [n, h, w, cin] = inShape as [number, number, number, number]
        const [, oh, ow, cout] = outShape as [number, number, number, number]
        const kernel = layer.getWeights()[0]?.shape as [number, number, number, number]
        const [kh, kw] = kernel
        kernels.push({
          layer: layer.name,
          op: 'conv2d',
          role,
          flops: 2 * n * oh * ow * cout * kh * kw * cin,
          input: [n, h, w, cin],
          filter: [kh, kw, cin, cout],
          output: [n, oh, ow, cout],
        })
      } else {
        const [n, units] = outShape as [number, number]
        const features = inShape.slice(1).reduce((a, b) => a * b, 1)
        kernels.push({
          layer: layer.name,
          op: 'matmul',
          role,
          flops: 2 * n * features * units,
          input: [n, features],
          units,
        })
      }
    }
  }
  return kernels
}

/** FLOPs of one image's forward and backward pass. */
export function flopsPerImage(model: tf.LayersModel): number {
  return stepKernels(model, 1).reduce((sum, kernel) => sum + kernel.flops, 0)
}

/** Trainable weights only (BN's running statistics are not), as the PyTorch peers count them. */
export function trainableParameters(model: tf.LayersModel): number {
  return model.trainableWeights.reduce(
    (sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1),
    0,
  )
}
