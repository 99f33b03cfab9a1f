// What the training loop batches from. A SampleSet hands out one float batch at a time, whatever
// holds the rows: decoded images in one compact byte buffer (here), images streamed from the
// on-disk pixel cache, or backbone embeddings. A whole dataset never sits in memory as float
// tensors, only one batch at a time does.

import * as tf from '@tensorflow/tfjs'
import type { ImageAugmenter } from './augment-image'

export interface BatchOptions {
  /** Varies each image on its way into the batch (training batches of image rows only). */
  augment?: ImageAugmenter
}

/** Rows with one class index each, batched on demand into the model's input. */
export interface SampleSet {
  readonly count: number
  /** One class index per row (at least `count` entries). */
  readonly labels: Int32Array
  /** Shape of one row as the model takes it: [size, size, 3] for images, [d] for embeddings. */
  readonly rowShape: readonly number[]
  /** True when rows are images, so augmentation applies. */
  readonly images: boolean
  /** The rows at `indices` as one float tensor of shape [n, ...rowShape]. */
  batch(indices: ArrayLike<number>, options?: BatchOptions): tf.Tensor
  /** The rows at `indices`, in that order, as a set of their own. */
  select(indices: readonly number[]): SampleSet
}

/** `count` RGB images of size×size, back to back, with one class index per image. */
export interface ImageSet {
  pixels: Uint8Array
  labels: Int32Array
  count: number
  size: number
}

export function isSampleSet(set: SampleSet | ImageSet): set is SampleSet {
  return typeof (set as Partial<SampleSet>).batch === 'function'
}

/** An in-memory image set as a SampleSet. */
export function imageSamples(set: ImageSet): SampleSet {
  return {
    count: set.count,
    labels: set.labels,
    rowShape: [set.size, set.size, 3],
    images: true,
    batch: (indices, options) => imageBatch(set, indices, options),
    select: (indices) => imageSamples(selectImages(set, indices)),
  }
}

export function asSampleSet(set: SampleSet | ImageSet): SampleSet {
  return isSampleSet(set) ? set : imageSamples(set)
}

/**
 * Fills `floats` (at `to`) with one image's bytes, augmented when asked: the one place where
 * stored pixels become model input, for in-memory and streamed images alike.
 */
export function writeImageRow(
  pixels: Uint8Array,
  from: number,
  size: number,
  floats: Float32Array,
  to: number,
  options: BatchOptions = {},
): void {
  const stride = size * size * 3
  if (options.augment) options.augment(pixels, from, size, floats, to)
  else floats.set(pixels.subarray(from, from + stride), to)
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
  for (let n = 0; n < indices.length; n++)
    writeImageRow(set.pixels, (indices[n] as number) * stride, size, floats, n * stride, options)
  return tf.tensor4d(floats, [indices.length, size, size, 3], 'float32')
}

/** The class indices at `indices` as an int32 tensor. */
export function labelBatch(set: { labels: Int32Array }, indices: ArrayLike<number>): tf.Tensor1D {
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
