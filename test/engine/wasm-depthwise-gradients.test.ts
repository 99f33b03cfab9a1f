// The wasm depthwise-convolution gradients against the cpu backend's own kernels, on random
// shapes, multipliers, strides and paddings (relative error below 1e-4), and a small
// MobileNet-style network that must train on wasm with a gradient for every weight.

import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../src-shared/seeded-random'
import { depthwiseInfo } from '../../src-main/engine/backend/wasm-depthwise-gradients'
import {
  expectClose,
  expectNoTensorsLeft,
  expectSameOnWasm,
  randomInput,
  runOn,
  setUpWasmBackend,
} from './kernel-comparison'

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]]

interface DepthwiseCase {
  batch: number
  height: number
  width: number
  channels: number
  multiplier: number
  filterHeight: number
  filterWidth: number
  stride: number
  pad: Pad
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

/** Random depthwise geometries, always including every stride/padding pair. */
function depthwiseCases(count: number, random: () => number): DepthwiseCase[] {
  const pick = (low: number, high: number) => low + Math.floor(random() * (high - low + 1))
  const kernel = () => [1, 3, 5][pick(0, 2)] as number
  return Array.from({ length: count }, (_, i) => {
    const filterHeight = kernel()
    const filterWidth = kernel()
    const kind = (i % 8) >> 1
    const pad: Pad =
      kind === 0
        ? 'same'
        : kind === 1
          ? 'valid'
          : kind === 2
            ? [
                [0, 0],
                [pick(0, 3), pick(0, 3)],
                [pick(0, 3), pick(0, 3)],
                [0, 0],
              ]
            : pick(0, 3)
    return {
      batch: pick(1, 4),
      height: pick(Math.max(5, filterHeight), 17),
      width: pick(Math.max(5, filterWidth), 17),
      channels: pick(1, 8),
      multiplier: pick(1, 2),
      filterHeight,
      filterWidth,
      stride: i % 2 === 0 ? 1 : 2,
      pad,
      // A number pad is where the rounding of the output size matters.
      ...(kind === 3 ? { dimRoundingMode: (['floor', 'round', 'ceil'] as const)[pick(0, 2)] } : {}),
    }
  })
}

function describeCase(c: DepthwiseCase): string {
  const pad = typeof c.pad === 'object' ? JSON.stringify(c.pad.slice(1, 3)) : String(c.pad)
  return (
    `x ${c.batch}×${c.height}×${c.width}×${c.channels}, filter ${c.filterHeight}×` +
    `${c.filterWidth}×${c.multiplier}, stride ${c.stride}, pad ${pad}` +
    (c.dimRoundingMode === undefined ? '' : ` ${c.dimRoundingMode}`)
  )
}

function backpropBoth(
  tensors: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
  xShape: number[],
  filterShape: number[],
): tf.Tensor[] {
  const { x, filter, dy } = tensors as Record<string, tf.Tensor4D>
  return [
    tf.engine().runKernel(
      'DepthwiseConv2dNativeBackpropFilter',
      { x, dy } as tf.NamedTensorMap,
      {
        ...attrs,
        filterShape,
      } as tf.NamedAttrMap,
    ) as tf.Tensor,
    tf.engine().runKernel(
      'DepthwiseConv2dNativeBackpropInput',
      { dy, filter } as tf.NamedTensorMap,
      {
        ...attrs,
        inputShape: xShape,
      } as tf.NamedAttrMap,
    ) as tf.Tensor,
  ]
}

beforeAll(setUpWasmBackend)

describe('depthwise convolution gradients on wasm', () => {
  const cases = depthwiseCases(24, seededRandom(17))

  it.each(cases.map((c) => [describeCase(c), c] as const))(
    'DepthwiseConv2dNativeBackpropFilter and …BackpropInput match cpu: %s',
    async (_, c) => {
      const random = seededRandom(c.height * 131 + c.width * 17 + c.channels * 3 + c.stride)
      const xShape = [c.batch, c.height, c.width, c.channels]
      const filterShape = [c.filterHeight, c.filterWidth, c.channels, c.multiplier]
      const attrs = {
        strides: c.stride,
        pad: c.pad,
        dilations: 1,
        dimRoundingMode: c.dimRoundingMode,
      }
      const { outShape } = depthwiseInfo(xShape, filterShape, attrs)
      const inputs = {
        x: randomInput(xShape, random),
        filter: randomInput(filterShape, random),
        dy: randomInput(outShape, random),
      }
      await expectSameOnWasm(inputs, (t) => backpropBoth(t, attrs, xShape, filterShape))
    },
  )

  it.each([
    [2, 'same', 3, 1],
    [2, 'valid', 3, 2],
    [3, 1, 3, 2],
    [2, 'same', 5, 1],
  ] as const)(
    'with dilation %s (pad %s, size %s, multiplier %s) equals cpu with the zero-dilated filter',
    async (dilation, pad, size, multiplier) => {
      // The cpu kernels ignore dilation, but a dilated filter is the same as a larger filter with
      // zeros between its taps, which the cpu kernels handle.
      const random = seededRandom(dilation * 10 + size)
      const xShape = [2, 13, 11, 3]
      const filterShape = [size, size, 3, multiplier]
      const wide = (size - 1) * dilation + 1
      const wideShape = [wide, wide, 3, multiplier]
      const { outShape } = depthwiseInfo(xShape, filterShape, {
        strides: 1,
        pad,
        dilations: dilation,
      })
      const inputs = {
        x: randomInput(xShape, random),
        filter: randomInput(filterShape, random),
        dy: randomInput(outShape, random),
      }
      const spreadTaps = (t: tf.Tensor): tf.Tensor => {
        const split = t.reshape([size, 1, size, 1, 3 * multiplier])
        return split
          .pad([
            [0, 0],
            [0, dilation - 1],
            [0, 0],
            [0, dilation - 1],
            [0, 0],
          ])
          .reshape([size * dilation, size * dilation, 3, multiplier])
          .slice([0, 0, 0, 0], wideShape)
      }
      const pickTaps = (t: tf.Tensor): tf.Tensor =>
        tf.stridedSlice(t, [0, 0, 0, 0], wideShape, [dilation, dilation, 1, 1])
      const expected = await runOn('cpu', inputs, ({ x, filter, dy }) => {
        const [dw, dx] = backpropBoth(
          { x: x as tf.Tensor, filter: spreadTaps(filter as tf.Tensor), dy: dy as tf.Tensor },
          { strides: 1, pad, dilations: 1 },
          xShape,
          wideShape,
        )
        return [pickTaps(dw as tf.Tensor), dx as tf.Tensor]
      })
      const actual = await runOn('wasm', inputs, (t) =>
        backpropBoth(t, { strides: 1, pad, dilations: dilation }, xShape, filterShape),
      )
      expectClose(expected, actual)
    },
  )

  it('gives the same gradients through tf.grads of a depthwise layer with bias and relu6', async () => {
    const random = seededRandom(3)
    const inputs = {
      x: randomInput([3, 9, 10, 4], random),
      filter: randomInput([3, 3, 4, 2], random),
      bias: randomInput([8], random),
    }
    await expectSameOnWasm(inputs, ({ x, filter, bias }) =>
      tf.grads((a: tf.Tensor, f: tf.Tensor, b: tf.Tensor) =>
        tf.sum(
          tf.square(
            tf.relu6(tf.add(tf.depthwiseConv2d(a as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'), b)),
          ),
        ),
      )([x as tf.Tensor, filter as tf.Tensor, bias as tf.Tensor]),
    )
  })

  it('leaves no intermediate tensors behind', async () => {
    await tf.setBackend('wasm')
    const x = tf.ones([2, 9, 8, 3])
    const dy = tf.ones([2, 4, 3, 6])
    const filter = tf.ones([3, 3, 3, 2])
    const attrs = { strides: 2, pad: 'valid', dilations: 1 }
    expectNoTensorsLeft(() =>
      tf.dispose(backpropBoth({ x, dy, filter }, attrs, [2, 9, 8, 3], [3, 3, 3, 2])),
    )
    tf.dispose([x, dy, filter])
  })
})

type Node = tf.SymbolicTensor

/** Stem, a stride-2 depthwise-separable block and a stride-1 residual one, pooled to softmax. */
function tinyMobileNet(): tf.LayersModel {
  let seed = 1
  const kernel = () => tf.initializers.glorotUniform({ seed: seed++ })
  const apply = (layer: tf.layers.Layer, x: Node | Node[]) => layer.apply(x) as Node
  const bn = (x: Node) => apply(tf.layers.batchNormalization({}), x)
  const relu6 = (x: Node) => apply(tf.layers.reLU({ maxValue: 6 }), x)
  const pointwise = (x: Node, filters: number) =>
    apply(
      tf.layers.conv2d({ filters, kernelSize: 1, useBias: false, kernelInitializer: kernel() }),
      x,
    )
  const depthwise = (x: Node, strides: number) =>
    apply(
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        strides,
        padding: strides === 1 ? 'same' : 'valid',
        depthMultiplier: 1,
        useBias: false,
        depthwiseInitializer: kernel(),
      }),
      x,
    )
  const input = tf.input({ shape: [16, 16, 3] })
  let x = relu6(
    bn(
      apply(
        tf.layers.conv2d({
          filters: 8,
          kernelSize: 3,
          padding: 'same',
          useBias: false,
          kernelInitializer: kernel(),
        }),
        input,
      ),
    ),
  )
  const padded = apply(
    tf.layers.zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
    }),
    x,
  )
  x = relu6(bn(pointwise(relu6(bn(depthwise(padded, 2))), 12)))
  const branch = bn(pointwise(relu6(bn(depthwise(x, 1))), 12))
  x = relu6(apply(tf.layers.add({}), [x, branch]))
  const pooled = apply(tf.layers.globalAveragePooling2d({}), x)
  const probs = apply(
    tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: kernel() }),
    pooled,
  )
  return tf.model({ inputs: input, outputs: probs })
}

describe('a MobileNet-style network on wasm', () => {
  it('trains: the loss falls and every weight gets a finite, non-zero gradient', async () => {
    await tf.setBackend('wasm')
    const random = seededRandom(11)
    const labels = Array.from({ length: 12 }, (_, i) => i % 3)
    // Each class brightens a different colour channel, so the images can be told apart.
    const pixels = Float32Array.from({ length: 12 * 16 * 16 * 3 }, (_, i) => {
      const image = Math.floor(i / (16 * 16 * 3))
      return (i % 3 === labels[image] ? 0.8 : 0) + random() * 0.4 - 0.2
    })
    const model = tinyMobileNet()
    const images = tf.tensor4d(pixels, [12, 16, 16, 3])
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), 3)
    const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable)
    const optimizer = tf.train.adam(0.02)
    const losses: number[] = []
    try {
      for (let step = 0; step < 8; step++) {
        const { value, grads } = tf.variableGrads(() => {
          const probs = model.apply(images, { training: true }) as tf.Tensor
          return tf.mean(tf.metrics.categoricalCrossentropy(oneHot, probs)) as tf.Scalar
        }, variables)
        if (step === 0) {
          expect(Object.keys(grads).sort()).toEqual(variables.map((v) => v.name).sort())
          for (const grad of Object.values(grads)) {
            const norm = tf.tidy(() => grad.square().sum().dataSync()[0] as number)
            expect(Number.isFinite(norm)).toBe(true)
            expect(norm).toBeGreaterThan(0)
          }
        }
        losses.push(value.dataSync()[0] as number)
        optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })))
        tf.dispose([value, ...Object.values(grads)])
      }
    } finally {
      tf.dispose([images, oneHot])
      optimizer.dispose()
      model.dispose()
    }
    expect(losses.every(Number.isFinite)).toBe(true)
    expect(losses.at(-1) as number).toBeLessThan((losses[0] as number) * 0.8)
  })
})
