// Comparing the wasm training kernels with the cpu backend's own: random inputs, the same
// computation run on both backends, and a relative error every result must stay under.

import * as tf from '@tensorflow/tfjs'
import { expect } from 'vitest'
import { selectBackend } from '../../src-main/engine/backend/select-backend'

/** Largest relative error a wasm result may show against cpu. */
export const RELATIVE_TOLERANCE = 1e-4

export type Inputs = Record<string, { shape: number[]; values: Float32Array }>
export type Compute = (inputs: Record<string, tf.Tensor>) => tf.Tensor | tf.Tensor[]

/** The wasm backend as training uses it (two threads), with the debug checks off. */
export async function setUpWasmBackend(): Promise<void> {
  await selectBackend('wasm', { threads: 2 })
  tf.env().set('PROD', true)
}

/** An input of the given shape, uniform in [-1, 1). */
export function randomInput(shape: number[], random: () => number): Inputs[string] {
  const size = shape.reduce((a, b) => a * b, 1)
  return { shape, values: Float32Array.from({ length: size }, () => random() * 2 - 1) }
}

/** Runs `compute` on one backend and reads the results back as plain arrays. */
export async function runOn(
  backend: string,
  inputs: Inputs,
  compute: Compute,
): Promise<Float32Array[]> {
  await tf.setBackend(backend)
  return tf.tidy(() => {
    const tensors = Object.fromEntries(
      Object.entries(inputs).map(([name, { shape, values }]) => [name, tf.tensor(values, shape)]),
    )
    const out = compute(tensors)
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array)
  })
}

/** The largest absolute difference, relative to the largest expected magnitude. */
export function relativeError(expected: Float32Array, actual: Float32Array): number {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  let scale = 1e-12
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs((expected[i] as number) - (actual[i] as number)))
    scale = Math.max(scale, Math.abs(expected[i] as number))
  }
  return worst / scale
}

/** As many results as expected, each within the tolerance of its counterpart. */
export function expectClose(expected: Float32Array[], actual: Float32Array[]): void {
  expect(actual.length).toBe(expected.length)
  expected.forEach((values, i) =>
    expect(relativeError(values, actual[i] as Float32Array)).toBeLessThan(RELATIVE_TOLERANCE),
  )
}

/** `compute` gives the same results on wasm as on cpu. */
export async function expectSameOnWasm(inputs: Inputs, compute: Compute): Promise<void> {
  const expected = await runOn('cpu', inputs, compute)
  const actual = await runOn('wasm', inputs, compute)
  expectClose(expected, actual)
}

/** `run` (which disposes what it makes) leaves the engine holding exactly what it held before. */
export function expectNoTensorsLeft(run: () => void): void {
  const before = tf.memory()
  run()
  expect(tf.memory().numTensors).toBe(before.numTensors)
  expect(tf.memory().numBytes).toBe(before.numBytes)
}
