// The conv layer's fused training path (FusedConv2D forward, its own gradient for the relu mask and
// the bias gradient) against tfjs' stock Conv2D on the cpu backend: output and the gradients of
// input, kernel and bias on random geometries, run on wasm and on cpu, each within a relative
// error of 1e-4; and the layer is stock to the outside.

import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../src-shared/seeded-random'
import { conv2d } from '../../src-main/engine/backend/conv-layer'
import {
  expectClose,
  expectNoTensorsLeft,
  randomInput,
  setUpWasmBackend,
  type Inputs,
} from './kernel-comparison'

interface ConvCase {
  shape: [number, number, number, number]
  filters: number
  kernelSize: number
  strides: number
  padding: 'same' | 'valid'
  activation: 'relu' | 'linear'
}

type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0]
type MakeLayer = (args: Conv2DArgs) => tf.layers.Layer

/** y, then dx, dkernel, dbias for loss Σ y·w, of a fresh layer with the given weights. */
async function trainOnce(backend: string, make: MakeLayer, c: ConvCase, inputs: Inputs) {
  await tf.setBackend(backend)
  const tensor = (name: string) => tf.tensor(inputs[name]!.values, inputs[name]!.shape)
  const layer = make({
    filters: c.filters,
    kernelSize: c.kernelSize,
    strides: c.strides,
    padding: c.padding,
    activation: c.activation,
  })
  const x = tf.variable(tensor('x'))
  tf.dispose(layer.apply(x) as tf.Tensor)
  layer.setWeights([tensor('kernel'), tensor('bias')])
  const [kernel, bias] = layer.trainableWeights.map((weight) => weight.read() as tf.Variable)
  let y: Float32Array | undefined
  let w: tf.Tensor | undefined
  const { value, grads } = tf.variableGrads(() => {
    const out = layer.apply(x, { training: true }) as tf.Tensor
    y = out.dataSync() as Float32Array
    w = tf.tensor(inputs.w!.values.subarray(0, out.size), out.shape)
    return tf.sum(tf.mul(out, w)) as tf.Scalar
  }, [x, kernel!, bias!])
  const results = [y!, ...[x, kernel!, bias!].map((v) => grads[v.name]!.dataSync() as Float32Array)]
  tf.dispose([x, w!, value, grads])
  layer.dispose()
  return results
}

function caseInputs(c: ConvCase, random: () => number): Inputs {
  const [, , , channels] = c.shape
  const kernelShape = [c.kernelSize, c.kernelSize, channels, c.filters]
  const bias = randomInput([c.filters], random)
  return {
    x: randomInput(c.shape, random),
    kernel: randomInput(kernelShape, random),
    // Biases of either sign, so that the relu mask cuts through the outputs.
    bias: { shape: bias.shape, values: bias.values.map((v) => v * 0.5) },
    // Enough for any output this case can have (at most the input's positions × filters).
    w: randomInput([c.shape[0] * c.shape[1] * c.shape[2] * c.filters], random),
  }
}

const stock: MakeLayer = (args) => tf.layers.conv2d(args)
const fast: MakeLayer = (args) => conv2d(args)

beforeAll(setUpWasmBackend)

describe('conv layer in training', () => {
  const random = seededRandom(5)
  const pick = (low: number, high: number) => low + Math.floor(random() * (high - low + 1))
  const cases: ConvCase[] = Array.from({ length: 8 }, (_, i) => {
    const kernelSize = pick(1, 4)
    return {
      shape: [pick(1, 4), pick(kernelSize, 10), pick(kernelSize, 10), pick(1, 6)],
      filters: pick(1, 9),
      kernelSize,
      strides: i % 2 === 0 ? 1 : 2,
      padding: i % 4 < 2 ? 'same' : 'valid',
      activation: i % 3 === 2 ? 'linear' : 'relu',
    }
  })

  it.each(cases.map((c) => [JSON.stringify(c), c] as const))(
    'matches the stock layer on cpu, run on wasm and on cpu: %s',
    async (_, c) => {
      const inputs = caseInputs(c, random)
      const expected = await trainOnce('cpu', stock, c, inputs)
      expectClose(expected, await trainOnce('wasm', fast, c, inputs))
      expectClose(expected, await trainOnce('cpu', fast, c, inputs))
    },
  )

  it('leaves no tensors behind and is the stock layer to toJSON', async () => {
    await tf.setBackend('wasm')
    const model = tf.sequential({
      layers: [
        conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, activation: 'relu', name: 'c' }),
      ],
    })
    const json = model.toJSON(null, false) as unknown as {
      config: { layers: { class_name: string }[] }
    }
    expect(json.config.layers[0]?.class_name).toBe('Conv2D')
    const x = tf.randomNormal([2, 5, 5, 2])
    const [kernel] = model.trainableWeights.map((weight) => weight.read() as tf.Variable)
    expectNoTensorsLeft(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        [kernel!],
      )
      tf.dispose([value, grads])
    })
    x.dispose()
  })
})
