// The wasm training kernels against the cpu backend's own kernels, on random shapes, strides and
// paddings: every gradient must agree to a relative error below 1e-4.

import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, it } from 'vitest'
import { seededRandom } from '../../src-shared/seeded-random'
import {
  expectNoTensorsLeft,
  expectSameOnWasm,
  randomInput,
  setUpWasmBackend,
} from './kernel-comparison'

interface ConvCase {
  batch: number
  height: number
  width: number
  inChannels: number
  outChannels: number
  filterHeight: number
  filterWidth: number
  stride: number
  pad: 'same' | 'valid'
}

/** Random conv geometries, always including every stride/padding pair. */
function convCases(count: number, random: () => number): ConvCase[] {
  const pick = (low: number, high: number) => low + Math.floor(random() * (high - low + 1))
  return Array.from({ length: count }, (_, i) => {
    const filterHeight = pick(1, 5)
    const filterWidth = pick(1, 5)
    return {
      batch: pick(1, 4),
      height: pick(filterHeight, 12),
      width: pick(filterWidth, 12),
      inChannels: pick(1, 6),
      outChannels: pick(1, 6),
      filterHeight,
      filterWidth,
      stride: i % 2 === 0 ? 1 : 2,
      pad: i % 4 < 2 ? 'same' : 'valid',
    }
  })
}

function describeCase(c: ConvCase): string {
  return (
    `x ${c.batch}×${c.height}×${c.width}×${c.inChannels}, ` +
    `filter ${c.filterHeight}×${c.filterWidth}→${c.outChannels}, stride ${c.stride}, ${c.pad}`
  )
}

beforeAll(setUpWasmBackend)

describe('convolution gradients on wasm', () => {
  const cases = convCases(16, seededRandom(7))

  it.each(cases.map((c) => [describeCase(c), c] as const))(
    'Conv2DBackpropFilter and Conv2DBackpropInput match cpu: %s',
    async (_, c) => {
      const random = seededRandom(c.height * 131 + c.width * 17 + c.stride)
      const xShape = [c.batch, c.height, c.width, c.inChannels]
      const filterShape = [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels]
      const outShape = tf.backend_util.computeConv2DInfo(
        xShape as [number, number, number, number],
        filterShape as [number, number, number, number],
        c.stride,
        1,
        c.pad,
      ).outShape
      const inputs = {
        x: randomInput(xShape, random),
        filter: randomInput(filterShape, random),
        dy: randomInput(outShape, random),
      }
      await expectSameOnWasm(inputs, ({ x, filter, dy }) => [
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x: x as tf.Tensor, dy: dy as tf.Tensor },
            { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape },
          ) as tf.Tensor,
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropInput',
            { dy: dy as tf.Tensor, filter: filter as tf.Tensor },
            { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: xShape },
          ) as tf.Tensor,
      ])
    },
  )

  it('gives the same gradients through tf.grads of a conv layer with bias and relu', async () => {
    const random = seededRandom(3)
    const inputs = {
      x: randomInput([3, 9, 7, 2], random),
      filter: randomInput([3, 3, 2, 4], random),
      bias: randomInput([4], random),
    }
    await expectSameOnWasm(inputs, ({ x, filter, bias }) =>
      tf.grads((a: tf.Tensor, f: tf.Tensor, b: tf.Tensor) =>
        tf.sum(
          tf.square(tf.relu(tf.add(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'), b))),
        ),
      )([x as tf.Tensor, filter as tf.Tensor, bias as tf.Tensor]),
    )
  })

  it('leaves no intermediate tensors behind', async () => {
    await tf.setBackend('wasm')
    const x = tf.ones([2, 8, 8, 3])
    const dy = tf.ones([2, 4, 4, 5])
    const filter = tf.ones([3, 3, 3, 5])
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC' }
    expectNoTensorsLeft(() =>
      tf.dispose([
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            { ...attrs, filterShape: [3, 3, 3, 5] },
          ) as tf.Tensor,
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropInput',
            { dy, filter },
            { ...attrs, inputShape: [2, 8, 8, 3] },
          ) as tf.Tensor,
      ]),
    )
    tf.dispose([x, dy, filter])
  })
})

describe('pooling, matrix and batch-norm gradients on wasm', () => {
  const poolCases: [string, number[], number, number, 'same' | 'valid'][] = [
    ['2×2/2 valid, even size', [3, 8, 6, 5], 2, 2, 'valid'],
    ['2×2/2 valid, odd size', [2, 7, 9, 3], 2, 2, 'valid'],
    ['2×2/2 same, odd size', [2, 7, 5, 3], 2, 2, 'same'],
    ['3×3/2 same (overlapping)', [2, 9, 8, 4], 3, 2, 'same'],
    ['3×3/1 valid', [1, 6, 7, 2], 3, 1, 'valid'],
  ]

  it.each(poolCases)('MaxPoolGrad matches cpu: %s', async (_, shape, size, stride, pad) => {
    const random = seededRandom(shape.reduce((a, b) => a * 7 + b, size))
    const pooled = tf.backend_util.computePool2DInfo(
      shape as [number, number, number, number],
      size,
      stride,
      1,
      pad,
    ).outShape
    // A different upstream gradient per output, so misrouted gradients cannot cancel out.
    const inputs = { x: randomInput(shape, random), weights: randomInput(pooled, random) }
    await expectSameOnWasm(inputs, ({ x, weights }) =>
      tf.grad((a: tf.Tensor) =>
        tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, size, stride, pad), weights as tf.Tensor)),
      )(x as tf.Tensor),
    )
  })

  it('MaxPoolGrad breaks ties like cpu (the first maximum gets the gradient)', async () => {
    const values = new Float32Array(2 * 4 * 4 * 2).fill(0.5)
    values[5] = 2
    await expectSameOnWasm({ x: { shape: [2, 4, 4, 2], values } }, ({ x }) =>
      tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(
        x as tf.Tensor,
      ),
    )
  })

  it('MaxPoolGrad skips NaN and passes nothing from an all -Infinity window, like cpu', async () => {
    const values = new Float32Array(1 * 4 * 4 * 1).fill(0.25)
    // Window (0,0): NaN first, then the maximum; window (0,1): all -Infinity.
    values[0] = Number.NaN
    values[5] = 3
    for (const i of [2, 3, 6, 7]) values[i] = Number.NEGATIVE_INFINITY
    await expectSameOnWasm({ x: { shape: [1, 4, 4, 1], values } }, ({ x }) =>
      tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(
        x as tf.Tensor,
      ),
    )
  })

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('BatchMatMul transposeA=%s transposeB=%s matches cpu', async (transposeA, transposeB) => {
    const random = seededRandom(11)
    const a = transposeA ? [2, 7, 5] : [2, 5, 7]
    const b = transposeB ? [2, 3, 7] : [2, 7, 3]
    await expectSameOnWasm({ a: randomInput(a, random), b: randomInput(b, random) }, (t) =>
      tf.matMul(t.a as tf.Tensor3D, t.b as tf.Tensor3D, transposeA, transposeB),
    )
  })

  it('batch-norm training gradients match cpu', async () => {
    const random = seededRandom(5)
    const inputs = {
      x: randomInput([4, 5, 6, 3], random),
      gamma: randomInput([3], random),
      beta: randomInput([3], random),
    }
    await expectSameOnWasm(inputs, ({ x, gamma, beta }) =>
      tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2])
        const normed = tf.batchNorm(a, mean, variance, b, g, 1e-3)
        return tf.sum(tf.mul(normed, tf.sin(a)))
      })([x as tf.Tensor, gamma as tf.Tensor, beta as tf.Tensor]),
    )
  })
})
