// A small MobileNet-style backbone for tests that need a pretrained network without downloading
// one: a stride-2 stem, depthwise-separable blocks with batch norm and ReLU6, and one inverted
// residual block, ending in a 4-D feature map. Briefly trained on synthetic images so its weights
// and batch-norm statistics are not the initial ones.

import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { saveKerasH5 } from '../../src-main/engine/export/keras-h5'
import { TFJS_MODEL_FILE, saveTfjsModel } from '../../src-main/engine/export/tfjs'
import { syntheticImageSet } from './synthetic-images'

export interface MobileBackboneOptions {
  /** Square input size in pixels; default 32. */
  size?: number
  /** Seed of every initialiser; default 1. */
  seed?: number
  /** A Rescaling(1/127.5, -1) first layer, so the network takes 0–255 pixels; default true. */
  rescaling?: boolean
}

type Node = tf.SymbolicTensor

/** Moving statistics that settle within the few dozen pretraining steps a test can afford. */
const BN_MOMENTUM = 0.8

export function buildMobileBackbone(options: MobileBackboneOptions = {}): tf.LayersModel {
  const { size = 32, seed = 1, rescaling = true } = options
  let nextSeed = seed * 1000
  const kernel = () => tf.initializers.glorotUniform({ seed: nextSeed++ })
  const apply = (layer: tf.layers.Layer, x: Node | Node[]) => layer.apply(x) as Node
  const bnRelu6 = (x: Node, name: string) =>
    apply(
      tf.layers.reLU({ maxValue: 6, name: `${name}_relu` }),
      apply(tf.layers.batchNormalization({ name: `${name}_bn`, momentum: BN_MOMENTUM }), x),
    )
  const pointwise = (x: Node, filters: number, name: string) =>
    apply(
      tf.layers.conv2d({
        filters,
        kernelSize: 1,
        useBias: false,
        kernelInitializer: kernel(),
        name,
      }),
      x,
    )
  const depthwise = (x: Node, strides: number, name: string) => {
    // Keras' MobileNet pads explicitly before a strided depthwise conv instead of padding 'same'.
    const padded =
      strides === 1
        ? x
        : apply(
            tf.layers.zeroPadding2d({
              padding: [
                [0, 1],
                [0, 1],
              ],
              name: `${name}_pad`,
            }),
            x,
          )
    return apply(
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        strides,
        padding: strides === 1 ? 'same' : 'valid',
        useBias: false,
        depthwiseInitializer: kernel(),
        name,
      }),
      padded,
    )
  }

  const input = tf.input({ shape: [size, size, 3], name: 'image' })
  let x: Node = rescaling
    ? apply(tf.layers.rescaling({ scale: 1 / 127.5, offset: -1, name: 'rescaling' }), input)
    : input
  x = apply(
    tf.layers.zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
      name: 'stem_pad',
    }),
    x,
  )
  x = apply(
    tf.layers.conv2d({
      filters: 8,
      kernelSize: 3,
      strides: 2,
      useBias: false,
      kernelInitializer: kernel(),
      name: 'stem_conv',
    }),
    x,
  )
  x = bnRelu6(x, 'stem')
  // Two depthwise-separable blocks, the second one halving the resolution.
  x = bnRelu6(depthwise(x, 1, 'block1_dw'), 'block1_dw')
  x = bnRelu6(pointwise(x, 16, 'block1_pw'), 'block1_pw')
  x = bnRelu6(depthwise(x, 2, 'block2_dw'), 'block2_dw')
  x = bnRelu6(pointwise(x, 24, 'block2_pw'), 'block2_pw')
  // One inverted residual: expand, depthwise, linear projection, added to its input.
  let y = bnRelu6(pointwise(x, 48, 'block3_expand'), 'block3_expand')
  y = bnRelu6(depthwise(y, 1, 'block3_dw'), 'block3_dw')
  y = apply(
    tf.layers.batchNormalization({ name: 'block3_project_bn', momentum: BN_MOMENTUM }),
    pointwise(y, 24, 'block3_project'),
  )
  x = apply(tf.layers.add({ name: 'block3_add' }), [x, y])
  return tf.model({ inputs: input, outputs: x, name: 'mobile_backbone' })
}

/** True when the backbone starts with a Rescaling layer (takes 0–255 pixels). */
function takesRawPixels(model: tf.LayersModel): boolean {
  return model.layers.some((layer) => layer.getClassName() === 'Rescaling')
}

/**
 * Trains the backbone for `steps` batches with a temporary pooling + softmax head on synthetic
 * images, in place. Call on a backend with depthwise-conv gradients (cpu).
 */
export async function pretrainMobileBackbone(
  model: tf.LayersModel,
  steps = 3,
  perClass = 2,
): Promise<void> {
  const [, height] = model.inputs[0]?.shape ?? []
  const size = height ?? 32
  // A handful of images: the cpu backend's depthwise gradients are slow, and any training will do.
  const set = syntheticImageSet(perClass, 7, size)
  const images = tf.tidy(() => {
    const pixels = tf.tensor4d(set.pixels, [set.count, size, size, 3], 'float32')
    return takesRawPixels(model) ? pixels : pixels.div(127.5).sub(1)
  })
  const labels = tf.tensor1d(set.labels, 'float32')
  const dense = tf.layers.dense({
    units: 3,
    activation: 'softmax',
    kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
  })
  const pooled = tf.layers.globalAveragePooling2d({}).apply(model.outputs[0] as Node) as Node
  const trainer = tf.model({ inputs: model.inputs, outputs: dense.apply(pooled) as Node })
  const optimizer = tf.train.adam(0.01)
  trainer.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' })
  try {
    for (let step = 0; step < steps; step++) await trainer.trainOnBatch(images, labels)
  } finally {
    tf.dispose([images, labels, ...dense.weights.map((weight) => weight.read())])
    optimizer.dispose()
  }
}

/** Saves the backbone as a TF.js layers model (model.json + weights.bin) or a Keras .h5 in `dir`; returns the model file. */
export async function saveMobileBackbone(
  model: tf.LayersModel,
  dir: string,
  format: 'tfjs' | 'h5',
): Promise<string> {
  if (format === 'tfjs') {
    await saveTfjsModel(model, dir)
    return join(dir, TFJS_MODEL_FILE)
  }
  const file = join(dir, 'backbone.h5')
  await saveKerasH5(model, file)
  return file
}
