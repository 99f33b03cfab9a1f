// The batch-norm layer's training kernels against tfjs' stock BatchNormalization on the cpu
// backend: output, gradients (input, gamma, beta) and moving statistics on random shapes, on
// wasm and on cpu, each within a relative error of 1e-4; and the layer is stock to the outside.

import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../src-shared/seeded-random'
import { batchNormalization } from '../../src-main/engine/backend/batch-norm-layer'
import {
  expectClose,
  expectNoTensorsLeft,
  randomInput,
  setUpWasmBackend,
  type Inputs,
} from './kernel-comparison'

type MakeLayer = (args: { momentum: number; epsilon: number }) => tf.layers.Layer

/**
 * One training call of a fresh layer with the given gamma/beta and moving statistics: y, dx,
 * dgamma, dbeta for loss Σ y·w, then the moving mean and variance it left.
 */
async function trainOnce(
  backend: string,
  make: MakeLayer,
  inputs: Inputs,
): Promise<Float32Array[]> {
  await tf.setBackend(backend)
  const tensor = (name: string) => tf.tensor(inputs[name]!.values, inputs[name]!.shape)
  const layer = make({ momentum: 0.9, epsilon: 1e-3 })
  const x = tf.variable(tensor('x'))
  const w = tensor('w')
  tf.dispose(layer.apply(x, { training: false }) as tf.Tensor)
  layer.setWeights(['gamma', 'beta', 'movingMean', 'movingVariance'].map(tensor))
  const [gamma, beta] = layer.trainableWeights.map((weight) => weight.read() as tf.Variable)
  let y: Float32Array | undefined
  const { value, grads } = tf.variableGrads(() => {
    const out = layer.apply(x, { training: true }) as tf.Tensor
    y = out.dataSync() as Float32Array
    return tf.sum(tf.mul(out, w)) as tf.Scalar
  }, [x, gamma!, beta!])
  const results = [
    y!,
    ...[x, gamma!, beta!].map((v) => grads[v.name]!.dataSync() as Float32Array),
    ...layer
      .getWeights()
      .slice(2)
      .map((t) => t.dataSync() as Float32Array),
  ]
  tf.dispose([x, w, value, grads])
  layer.dispose()
  return results
}

function layerInputs(shape: number[], random: () => number): Inputs {
  const channels = [shape.at(-1)!]
  const variance = randomInput(channels, random)
  return {
    // An offset and a spread per run so the statistics are not those of [-1, 1).
    x: {
      shape,
      values: randomInput(shape, random).values.map((v) => v * 3 + 0.5),
    },
    w: randomInput(shape, random),
    gamma: randomInput(channels, random),
    beta: randomInput(channels, random),
    movingMean: randomInput(channels, random),
    movingVariance: { shape: channels, values: variance.values.map((v) => v + 1.5) },
  }
}

const stock: MakeLayer = (args) => tf.layers.batchNormalization(args)
const fast: MakeLayer = (args) => batchNormalization(args)

beforeAll(setUpWasmBackend)

describe('batch normalisation in training', () => {
  const random = seededRandom(11)
  const pick = (low: number, high: number) => low + Math.floor(random() * (high - low + 1))
  const shapes = [
    ...Array.from({ length: 6 }, () => [pick(1, 5), pick(1, 9), pick(1, 9), pick(1, 12)]),
    [pick(2, 8), pick(1, 16)],
    [16, 32, 32, 16],
  ]

  it.each(shapes.map((shape) => [shape.join('×'), shape] as const))(
    'matches the stock layer on cpu, run on wasm and on cpu: %s',
    async (_, shape) => {
      const inputs = layerInputs(shape, random)
      const expected = await trainOnce('cpu', stock, inputs)
      expectClose(expected, await trainOnce('wasm', fast, inputs))
      expectClose(expected, await trainOnce('cpu', fast, inputs))
    },
  )

  it('leaves no tensors behind and is the stock layer to toJSON and inference', async () => {
    await tf.setBackend('wasm')
    const inputs = layerInputs([2, 3, 3, 4], random)
    const model = tf.sequential({
      layers: [batchNormalization({ inputShape: [3, 3, 4], name: 'batch_normalization' })],
    })
    const json = model.toJSON(null, false) as unknown as {
      config: { layers: { class_name: string }[] }
    }
    expect(json.config.layers[0]?.class_name).toBe('BatchNormalization')
    const x = tf.tensor(inputs.x!.values, inputs.x!.shape)
    // One training step's tensors all go: the kernels' outputs, saved tensors and gradients.
    const [gamma] = model.trainableWeights.map((weight) => weight.read() as tf.Variable)
    expectNoTensorsLeft(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        [gamma!],
      )
      tf.dispose([value, grads])
    })
    const reference = stock({ momentum: 0.99, epsilon: 1e-3 })
    tf.dispose(reference.apply(x) as tf.Tensor)
    reference.setWeights(model.layers[0]!.getWeights())
    expectClose(
      [(reference.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array],
      [(model.predict(x) as tf.Tensor).dataSync() as Float32Array],
    )
  })
})
