// Decoded images kept as one compact byte buffer, and the float batches cut from it on demand: a
// whole dataset never sits in memory as float tensors, only one batch at a time does.

import * as tf from '@tensorflow/tfjs'

/** `count` RGB images of size×size, back to back, with one class index per image. */
export interface ImageSet {
  pixels: Uint8Array
  labels: Int32Array
  count: number
  size: number
}

export interface BatchOptions {
  /** Mirror each image left–right when this returns true (drawn once per image, in order). */
  mirror?: () => boolean
}

/** The images at `indices` as a [n, size, size, 3] float tensor of 0–255 values. */
export function imageBatch(
  set: ImageSet,
  indices: ArrayLike<number>,
  options: BatchOptions = {},
): tf.Tensor4D {
  const { size } = set
  const row = size * 3
  const stride = size * row
  const floats = new Float32Array(indices.length * stride)
  for (let n = 0; n < indices.length; n++) {
    const from = (indices[n] as number) * stride
    const to = n * stride
    if (options.mirror?.()) {
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const source = from + y * row + (size - 1 - x) * 3
          const target = to + y * row + x * 3
          floats[target] = set.pixels[source] as number
          floats[target + 1] = set.pixels[source + 1] as number
          floats[target + 2] = set.pixels[source + 2] as number
        }
    } else {
      floats.set(set.pixels.subarray(from, from + stride), to)
    }
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
