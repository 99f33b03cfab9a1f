// The gradient of nearest-neighbour upsampling (UpSampling2D) on random shapes: the cpu backend's
// replacement kernel against the wasm backend's and against the definition (a sum over every dy
// cell of what the forward pass copied), batches above 1 included, where the shipped cpu kernel
// read the wrong rows.

import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-shared/seeded-random'
import { resizeNearestNeighborGradValues } from '../../../src-main/engine/backend/cpu-resize-gradient'
import {
  expectSameOnWasm,
  randomInput,
  relativeError,
  RELATIVE_TOLERANCE,
  runOn,
  setUpWasmBackend,
} from '../kernel-comparison'

beforeAll(setUpWasmBackend)

const random = seededRandom(5)
const pick = (low: number, high: number) => low + Math.floor(random() * (high - low + 1))
const cases = Array.from({ length: 10 }, (_, i) => ({
  shape: [pick(2, 3), pick(2, 6), pick(2, 6), pick(1, 4)] as [number, number, number, number],
  factor: [pick(1, 3), pick(1, 3)] as [number, number],
  alignCorners: i % 3 === 2,
}))

describe('ResizeNearestNeighborGrad', () => {
  it.each(cases.map((c) => [`${c.shape.join('×')} ×${c.factor.join('/')}`, c] as const))(
    'cpu matches wasm and the definition: %s',
    async (_, c) => {
      const [n, h, w, d] = c.shape
      const size: [number, number] = [h * c.factor[0], w * c.factor[1]]
      const inputs = { x: randomInput(c.shape, random), dy: randomInput([n, ...size, d], random) }
      const compute = (t: Record<string, tf.Tensor>) =>
        tf.grad((x: tf.Tensor) =>
          tf.mul(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, size, c.alignCorners), t.dy!),
        )(t.x!)
      await expectSameOnWasm(inputs, compute)
      // The definition: the forward pass on one-hot inputs says where each dy cell came from.
      const [cpu] = await runOn('cpu', inputs, compute)
      const forward = (
        await runOn('cpu', { x: inputs.x }, (t) =>
          tf.image.resizeNearestNeighbor(t.x as tf.Tensor4D, size, c.alignCorners),
        )
      )[0] as Float32Array
      const expected = resizeNearestNeighborGradValues(
        inputs.dy.values,
        c.shape,
        size,
        c.alignCorners,
      )
      let dot = 0
      inputs.dy.values.forEach((g, i) => (dot += g * (forward[i] as number)))
      let expectedDot = 0
      expected.forEach((g, i) => (expectedDot += g * (inputs.x.values[i] as number)))
      expect(Math.abs(dot - expectedDot)).toBeLessThan(1e-3 * Math.max(1, Math.abs(dot)))
      expect(relativeError(expected, cpu as Float32Array)).toBeLessThan(RELATIVE_TOLERANCE)
    },
  )
})
