// Backbone embeddings of a set of images, computed once per image content and kept on disk: with a
// frozen backbone nothing about an image's embedding changes between runs, so a second run on the
// same images (or a dataset that only grew) runs the backbone on the new images alone.

import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../src-shared/errors'
import type { RecordStore } from '../../cache/record-store'
import type { SampleSet } from './image-batches'

/** Embedding vectors, `dim` floats per row, as a SampleSet the training loop batches from. */
export function embeddingSamples(
  vectors: Float32Array,
  labels: Int32Array,
  count: number,
  dim: number,
): SampleSet {
  return {
    count,
    labels,
    rowShape: [dim],
    images: false,
    batch: (indices) => {
      const rows = new Float32Array(indices.length * dim)
      for (let n = 0; n < indices.length; n++) {
        const from = (indices[n] as number) * dim
        rows.set(vectors.subarray(from, from + dim), n * dim)
      }
      return tf.tensor2d(rows, [indices.length, dim], 'float32')
    },
    select: (indices) => {
      const picked = new Float32Array(indices.length * dim)
      const pickedLabels = new Int32Array(indices.length)
      indices.forEach((index, n) => {
        picked.set(vectors.subarray(index * dim, (index + 1) * dim), n * dim)
        pickedLabels[n] = labels[index] as number
      })
      return embeddingSamples(picked, pickedLabels, indices.length, dim)
    },
  }
}

export interface EmbedOptions {
  /** Pixels → embedding, inference only. */
  embedder: tf.LayersModel
  images: SampleSet
  /** A content key per image row (the sha256 of its file), naming its cached embedding; needed with a store. */
  keys: readonly string[]
  /** Cached embeddings of this backbone at this input size; none computes everything. */
  store?: RecordStore
  batchSize: number
  onProgress?: (done: number, total: number) => void
  shouldStop?: () => boolean
}

export interface Embedded {
  set: SampleSet
  /** Rows the backbone ran on, and rows read from the cache. */
  computed: number
  cached: number
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

export async function embedImages(opts: EmbedOptions): Promise<Embedded> {
  const { embedder, images, keys, store, batchSize } = opts
  const dim = embedder.outputs[0]?.shape[1]
  if (typeof dim !== 'number' || embedder.outputs[0]?.shape.length !== 2)
    throw new AppFailure(
      appError('BACKBONE_INVALID', 'the backbone gives no fixed-size embedding', {
        field: 'backbone',
      }),
    )
  if (store !== undefined && keys.length < images.count)
    throw new AppFailure(appError('INVALID_TRAINING_SET', 'an image has no content key'))
  if (store !== undefined && store.recordBytes !== dim * 4)
    throw new AppFailure(
      appError('CACHE_INVALID', `${store.dir} holds records of another size`, { file: store.dir }),
    )
  const vectors = new Float32Array(images.count * dim)
  const bytes = new Uint8Array(vectors.buffer)
  const missing: number[] = []
  for (let row = 0; row < images.count; row++)
    if (store?.read(keys[row] as string, bytes, row * dim * 4) !== true) missing.push(row)
  const cached = images.count - missing.length
  opts.onProgress?.(cached, images.count)
  for (let start = 0; start < missing.length; start += batchSize) {
    if (opts.shouldStop?.())
      throw new AppFailure(appError('INTERRUPTED', 'Stopped while computing embeddings'))
    const rows = missing.slice(start, start + batchSize)
    const batch = images.batch(rows)
    try {
      const output = embedder.predict(batch) as tf.Tensor
      try {
        const values = output.dataSync() as Float32Array
        rows.forEach((row, n) => {
          const vector = values.subarray(n * dim, (n + 1) * dim)
          vectors.set(vector, row * dim)
          store?.write(
            keys[row] as string,
            new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength),
          )
        })
      } finally {
        output.dispose()
      }
    } finally {
      batch.dispose()
    }
    opts.onProgress?.(cached + Math.min(missing.length, start + batchSize), images.count)
    await yieldToEventLoop()
  }
  return {
    set: embeddingSamples(vectors, images.labels.slice(0, images.count), images.count, dim),
    computed: missing.length,
    cached,
  }
}
