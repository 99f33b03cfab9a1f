// Conv2DBackpropInput on wasm against the cpu backend's, on random shapes with channels past one
// SIMD run, odd sizes and both paddings: strides 2 and 3 (also unequal) take dy · Wᵀ scattered
// back by wasm-column-scatter, stride 1 the convolution with the filter rotated in JavaScript.

import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-shared/seeded-random'
import { expectSameOnWasm, randomInput, setUpWasmBackend } from '../kernel-comparison'

interface StridedCase {
  xShape: [number, number, number, number]
  filterShape: [number, number, number, number]
  strides: [number, number]
  pad: 'same' | 'valid'
}

function stridedCases(count: number, random: () => number): StridedCase[] {
  const pick = (low: number, high: number) => low + Math.floor(random() * (high - low + 1))
  return Array.from({ length: count }, (_, i) => {
    const filterHeight = pick(1, 5)
    const filterWidth = pick(1, 5)
    const inChannels = pick(1, 40)
    const strides = (
      [
        [2, 2],
        [3, 3],
        [2, 3],
        [1, 1],
      ] as const
    )[i % 4] as [number, number]
    return {
      xShape: [pick(1, 4), pick(filterHeight, 15), pick(filterWidth, 15), inChannels],
      filterShape: [filterHeight, filterWidth, inChannels, pick(1, 40)],
      strides,
      pad: i % 8 < 4 ? 'same' : 'valid',
    }
  })
}

beforeAll(setUpWasmBackend)

describe('Conv2DBackpropInput on wasm', () => {
  it.each(stridedCases(16, seededRandom(31)).map((c) => [JSON.stringify(c), c] as const))(
    'matches cpu: %s',
    async (_, c) => {
      const random = seededRandom(c.xShape[1] * 13 + c.xShape[3])
      const outShape = tf.backend_util.computeConv2DInfo(
        c.xShape,
        c.filterShape,
        c.strides,
        1,
        c.pad,
      ).outShape
      const inputs = {
        dy: randomInput(outShape, random),
        filter: randomInput(c.filterShape, random),
      }
      await expectSameOnWasm(inputs, ({ dy, filter }) =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter } as tf.NamedTensorMap, {
          strides: c.strides,
          pad: c.pad,
          dataFormat: 'NHWC',
          inputShape: c.xShape,
        }),
      )
    },
  )

  it('leaves no intermediate behind', async () => {
    await tf.setBackend('wasm')
    const dy = tf.randomUniform([2, 5, 5, 12])
    const filter = tf.randomUniform([3, 3, 7, 12])
    const backend = tf.backend()
    const before = backend.numDataIds()
    const dx = tf.engine().runKernel(
      'Conv2DBackpropInput',
      { dy, filter },
      {
        strides: [2, 2],
        pad: 'same',
        dataFormat: 'NHWC',
        inputShape: [2, 10, 10, 7],
      },
    ) as tf.Tensor
    expect(dx.shape).toEqual([2, 10, 10, 7])
    dx.dispose()
    expect(backend.numDataIds()).toBe(before)
    tf.dispose([dy, filter])
  })
})
