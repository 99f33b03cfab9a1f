// The Adam update (one kernel for small weights, tfjs' ops for large ones) against tfjs' AdamOptimizer on the cpu backend: weights, moments and
// the optimizer's saved state after several steps on random gradients, run on wasm and on cpu,
// each within a relative error of 1e-4.

import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../src-shared/seeded-random'
import { adam, SMALL_WEIGHT_SIZE } from '../../src-main/engine/backend/adam-update'
import { expectClose, randomInput, setUpWasmBackend, type Inputs } from './kernel-comparison'

// The last is above SMALL_WEIGHT_SIZE: it takes the path of tfjs' ops.
const SHAPES = [[3, 3, 2, 5], [7], [40, 12], [130, 130]]
const STEPS = 4

/** Every weight and every optimizer weight (moments, iterations) after STEPS updates. */
async function optimise(
  backend: string,
  optimizer: () => tf.Optimizer,
  inputs: Inputs,
): Promise<Float32Array[]> {
  await tf.setBackend(backend)
  const tensor = (name: string) => tf.tensor(inputs[name]!.values, inputs[name]!.shape)
  const opt = optimizer()
  const weights = SHAPES.map((_, i) => tf.variable(tensor(`w${i}`), true, `adam-test-w${i}`))
  for (let step = 0; step < STEPS; step++) {
    const grads = Object.fromEntries(
      weights.map((w, i) => [w.name, tf.mul(tensor(`g${i}`), step + 1)]),
    )
    opt.applyGradients(grads)
    tf.dispose(Object.values(grads))
  }
  const state = await opt.getWeights()
  const results = [
    ...weights.map((w) => w.dataSync() as Float32Array),
    ...state.map(({ tensor }) => Float32Array.from(tensor.dataSync())),
  ]
  expect(state.map(({ name }) => name)).toEqual([
    'iter',
    ...weights.map((w) => `${w.name}/m`),
    ...weights.map((w) => `${w.name}/v`),
  ])
  tf.dispose(weights)
  opt.dispose()
  return results
}

beforeAll(setUpWasmBackend)

describe('Adam update kernel', () => {
  it('matches tfjs Adam on cpu, run on wasm and on cpu', async () => {
    expect(130 * 130).toBeGreaterThan(SMALL_WEIGHT_SIZE)
    const random = seededRandom(3)
    const inputs: Inputs = Object.fromEntries(
      SHAPES.flatMap((shape, i) => [
        [`w${i}`, randomInput(shape, random)],
        [`g${i}`, randomInput(shape, random)],
      ]),
    )
    const expected = await optimise('cpu', () => tf.train.adam(0.01), inputs)
    expectClose(expected, await optimise('wasm', () => adam(0.01), inputs))
    expectClose(expected, await optimise('cpu', () => adam(0.01), inputs))
  })
})
