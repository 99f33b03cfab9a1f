// The wasm training kernels against the cpu backend's own kernels, on random shapes, strides and
// paddings: every gradient must agree to a relative error below 1e-4.

import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../src-shared/seeded-random'
import { selectBackend } from '../../src-main/engine/select-backend'

const TOLERANCE = 1e-4

type Inputs = Record<string, { shape: number[]; values: Float32Array }>
type Compute = (inputs: Record<string, tf.Tensor>) => tf.Tensor | tf.Tensor[]

function randomValues(size: number, random: () => number): Float32Array {
  return Float32Array.from({ length: size }, () => random() * 2 - 1)
}

function input(shape: number[], random: () => number) {
  return {
    shape,
    values: randomValues(
      shape.reduce((a, b) => a * b, 1),
      random,
    ),
  }
}

/** Runs `compute` on one backend and reads the results back as plain arrays. */
async function runOn(backend: string, inputs: Inputs, compute: Compute): Promise<Float32Array[]> {
  await tf.setBackend(backend)
  return tf.tidy(() => {
    const tensors = Object.fromEntries(
      Object.entries(inputs).map(([name, { shape, values }]) => [name, tf.tensor(values, shape)]),
    )
    const out = compute(tensors)
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array)
  })
}

function relativeError(expected: Float32Array, actual: Float32Array): number {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  let scale = 1e-12
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs((expected[i] as number) - (actual[i] as number)))
    scale = Math.max(scale, Math.abs(expected[i] as number))
  }
  return worst / scale
}

async function expectSameOnWasm(inputs: Inputs, compute: Compute): Promise<void> {
  const expected = await runOn('cpu', inputs, compute)
  const actual = await runOn('wasm', inputs, compute)
  expect(actual.length).toBe(expected.length)
  expected.forEach((values, i) =>
    expect(relativeError(values, actual[i] as Float32Array)).toBeLessThan(TOLERANCE),
  )
}

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

beforeAll(async () => {
  await selectBackend('wasm', { threads: 2 })
  tf.env().set('PROD', true)
})

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
        x: input(xShape, random),
        filter: input(filterShape, random),
        dy: input(outShape, random),
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
      x: input([3, 9, 7, 2], random),
      filter: input([3, 3, 2, 4], random),
      bias: input([4], random),
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
    const before = tf.memory()
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC' }
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
    ])
    expect(tf.memory().numTensors).toBe(before.numTensors)
    expect(tf.memory().numBytes).toBe(before.numBytes)
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
    const inputs = { x: input(shape, random), weights: input(pooled, random) }
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

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('BatchMatMul transposeA=%s transposeB=%s matches cpu', async (transposeA, transposeB) => {
    const random = seededRandom(11)
    const a = transposeA ? [2, 7, 5] : [2, 5, 7]
    const b = transposeB ? [2, 3, 7] : [2, 7, 3]
    await expectSameOnWasm({ a: input(a, random), b: input(b, random) }, (t) =>
      tf.matMul(t.a as tf.Tensor3D, t.b as tf.Tensor3D, transposeA, transposeB),
    )
  })

  it('batch-norm training gradients match cpu', async () => {
    const random = seededRandom(5)
    const inputs = {
      x: input([4, 5, 6, 3], random),
      gamma: input([3], random),
      beta: input([3], random),
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
