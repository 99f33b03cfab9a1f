// Decoded images kept as one compact byte buffer, and the float batches cut from it on demand: a
// whole dataset never sits in memory as float tensors, only one batch at a time does.

import * as tf from '@tensorflow/tfjs'
import type { ImageAugmenter } from './augment-image'

/** `count` RGB images of size×size, back to back, with one class index per image. */
export interface ImageSet {
  pixels: Uint8Array
  labels: Int32Array
  count: number
  size: number
}

export interface BatchOptions {
  /** Varies each image on its way into the batch (training batches only). */
  augment?: ImageAugmenter
}

/** The images at `indices` as a [n, size, size, 3] float tensor of 0–255 values. */
export function imageBatch(
  set: ImageSet,
  indices: ArrayLike<number>,
  options: BatchOptions = {},
): tf.Tensor4D {
  const { size } = set
  const stride = size * size * 3
  const floats = new Float32Array(indices.length * stride)
  for (let n = 0; n < indices.length; n++) {
    const from = (indices[n] as number) * stride
    if (options.augment) options.augment(set.pixels, from, size, floats, n * stride)
    else floats.set(set.pixels.subarray(from, from + stride), n * stride)
  }
  return tf.tensor4d(floats, [indices.length, size, size, 3], 'float32')
}

/** The class indices at `indices` as an int32 tensor. */
export function labelBatch(set: ImageSet, indices: ArrayLike<number>): tf.Tensor1D {
  const labels = new Int32Array(indices.length)
  for (let n = 0; n < indices.length; n++) labels[n] = set.labels[indices[n] as number] as number
  return tf.tensor1d(labels, 'int32')
}

/** A subset of a set, copied into its own buffer. */
export function selectImages(set: ImageSet, indices: readonly number[]): ImageSet {
  const stride = set.size * set.size * 3
  const pixels = new Uint8Array(indices.length * stride)
  const labels = new Int32Array(indices.length)
  indices.forEach((index, n) => {
    pixels.set(set.pixels.subarray(index * stride, (index + 1) * stride), n * stride)
    labels[n] = set.labels[index] as number
  })
  return { pixels, labels, count: indices.length, size: set.size }
}
