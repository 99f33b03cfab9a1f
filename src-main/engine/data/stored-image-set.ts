// Images streamed from a record store (the on-disk pixel cache) as a SampleSet. Each row is only
// an address in the store and a label (12 bytes), so memory does not grow with the dataset beyond
// that; a batch reads its rows with positional reads into one reusable byte buffer and turns them
// into model input through writeImageRow, exactly as the in-memory set does.

import * as tf from '@tensorflow/tfjs'
import { writeImageRow, type SampleSet } from './image-batches'

/** What the set needs of a record store (the pixel cache's RecordStore is one). */
export interface RecordSource {
  readonly recordBytes: number
  /** Copies the record at `address` into target at offset. */
  readAt(address: number, target: Uint8Array, offset?: number): void
  /** Closes the files reads opened. */
  releaseFiles(): void
}

/** The byte buffer batches are read into, shared by a set and every subset selected from it. */
interface ReadBuffer {
  bytes: Uint8Array
}

function storedRows(
  store: RecordSource,
  addresses: Float64Array,
  labels: Int32Array,
  size: number,
  buffer: ReadBuffer,
): SampleSet {
  const stride = size * size * 3
  return {
    count: addresses.length,
    labels,
    rowShape: [size, size, 3],
    images: true,
    batch(indices, options = {}) {
      const needed = indices.length * stride
      if (buffer.bytes.length < needed) buffer.bytes = new Uint8Array(needed)
      const floats = new Float32Array(needed)
      try {
        for (let n = 0; n < indices.length; n++) {
          const address = addresses[indices[n] as number]
          if (address === undefined) throw new RangeError(`No row ${indices[n]} in the set`)
          store.readAt(address, buffer.bytes, n * stride)
          writeImageRow(buffer.bytes, n * stride, size, floats, n * stride, options)
        }
      } finally {
        // No file stays open between batches: a training thread stopped mid-epoch leaks none.
        store.releaseFiles()
      }
      return tf.tensor4d(floats, [indices.length, size, size, 3], 'float32')
    },
    select(indices) {
      const picked = new Float64Array(indices.length)
      const pickedLabels = new Int32Array(indices.length)
      indices.forEach((index, n) => {
        const address = addresses[index]
        if (address === undefined) throw new RangeError(`No row ${index} in the set`)
        picked[n] = address
        pickedLabels[n] = labels[index] as number
      })
      return storedRows(store, picked, pickedLabels, size, buffer)
    },
  }
}

/**
 * size×size RGB images kept in `store` (records of size·size·3 bytes), one per record address, with one class index per row. The set reads from the store, it does not own it.
 */
export function storedImageSet(
  store: RecordSource,
  addresses: Float64Array,
  labels: Int32Array,
  size: number,
): SampleSet {
  if (store.recordBytes !== size * size * 3)
    throw new RangeError(
      `The store holds ${store.recordBytes}-byte records, not ${size}×${size} RGB images`,
    )
  if (labels.length < addresses.length) throw new RangeError('Fewer labels than rows')
  return storedRows(store, addresses, labels, size, { bytes: new Uint8Array(0) })
}
