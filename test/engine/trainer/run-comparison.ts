// Comparing two training runs: their weights value by value, and their epoch metrics without the
// wall-clock fields (which differ between any two runs).

import type * as tf from '@tensorflow/tfjs'
import type { EpochMetrics } from '../../../src-shared/job-events'

export async function weightsOf(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array))
}

/** The largest absolute difference between two weight lists (NaN when their shapes differ). */
export function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  if (a.length !== b.length) return NaN
  let max = 0
  a.forEach((values, i) => {
    if (values.length !== b[i]?.length) max = NaN
    values.forEach((value, j) => {
      max = Math.max(max, Math.abs(value - (b[i]?.[j] ?? NaN)))
    })
  })
  return max
}

export const history = (epochs: readonly EpochMetrics[]) =>
  epochs.map(({ imagesPerSec: _speed, elapsedMs: _elapsed, ...rest }) => rest)

/** A finished run with its weights read out; its model is disposed, so only the values remain. */
export async function withWeights<Run extends { model: tf.LayersModel }>(
  running: Promise<Run>,
): Promise<Run & { weights: Float32Array[] }> {
  const trained = await running
  try {
    return { ...trained, weights: await weightsOf(trained.model) }
  } finally {
    trained.model.dispose()
  }
}
