// The image classifier: a compact CNN that takes RGB pixels as they come from the decoder (floats
// 0–255) and scales them itself, so anyone using the exported model feeds it plain pixels. Only
// standard Keras layers with their standard configs, so the Keras HDF5 export loads in Keras.

import * as tf from '@tensorflow/tfjs'
import type { Architecture } from '../../../../src-shared/train-params'
import { batchNormalization } from '../../backend/batch-norm-layer'
import { conv2d } from '../../backend/conv-layer'

/** Filters of the conv blocks; each block halves the resolution. */
export const CONV_BLOCK_FILTERS = [16, 32, 64, 128] as const

export interface ClassifierOptions {
  imageSize: number
  numClasses: number
  seed: number
}

/** Keras' default layer names: `conv2d`, `conv2d_1`, … */
function kerasName(base: string, index: number): string {
  return index === 0 ? base : `${base}_${index}`
}

/**
 * A model whose input is RGB pixels 0–255 at imageSize², scaled to 0–1 by its first layer, so the
 * exported model takes images exactly as a user hands them over.
 */
function pixelInputModel(name: string, imageSize: number): tf.Sequential {
  const model = tf.sequential({ name })
  model.add(
    tf.layers.rescaling({
      name: 'rescaling',
      scale: 1 / 255,
      offset: 0,
      inputShape: [imageSize, imageSize, 3],
    }),
  )
  return model
}

/**
 * Four blocks of conv(3×3, relu) → max-pool(2) → batch norm, then global average pooling and a
 * softmax layer. Normalising after pooling costs a quarter of normalising before it, and with a
 * few dozen images per class it trains just as well; global pooling keeps the weight count small
 * whatever the input size, and makes the model indifferent to where in the picture the object is.
 */
export function buildClassifier(opts: ClassifierOptions): tf.LayersModel {
  const { imageSize, numClasses, seed } = opts
  const model = pixelInputModel('classifier', imageSize)
  CONV_BLOCK_FILTERS.forEach((filters, block) => {
    model.add(
      conv2d({
        name: kerasName('conv2d', block),
        filters,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: seed + block }),
        biasInitializer: 'zeros',
      }),
    )
    model.add(tf.layers.maxPooling2d({ name: kerasName('max_pooling2d', block), poolSize: 2 }))
    // Moving statistics must settle within the few dozen steps a small dataset gives.
    model.add(
      batchNormalization({
        name: kerasName('batch_normalization', block),
        momentum: 0.9,
      }),
    )
  })
  model.add(tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }))
  model.add(
    tf.layers.dense({
      name: 'dense',
      units: numClasses,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + CONV_BLOCK_FILTERS.length }),
    }),
  )
  return model
}

/**
 * The network of the Fashion-MNIST comparison with PyTorch: conv(32, 3×3, relu) → max-pool(2) →
 * conv(64, 3×3, relu) → max-pool(2) → flatten → dense(128, relu) → softmax, no padding and no
 * batch norm, exactly as the peer trains it. It takes the same RGB input as the compact CNN (a
 * grayscale image arrives as three equal channels), so the first layer has three times the
 * peer's weights; the rest is identical.
 */
export function buildReferenceNetwork(opts: ClassifierOptions): tf.LayersModel {
  const { imageSize, numClasses, seed } = opts
  const model = pixelInputModel('reference', imageSize)
  ;[32, 64].forEach((filters, block) => {
    model.add(
      conv2d({
        name: kerasName('conv2d', block),
        filters,
        kernelSize: 3,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: seed + block }),
      }),
    )
    model.add(tf.layers.maxPooling2d({ name: kerasName('max_pooling2d', block), poolSize: 2 }))
  })
  model.add(tf.layers.flatten({ name: 'flatten' }))
  model.add(
    tf.layers.dense({
      name: 'dense',
      units: 128,
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: seed + 2 }),
    }),
  )
  model.add(
    tf.layers.dense({
      name: 'dense_1',
      units: numClasses,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 3 }),
    }),
  )
  return model
}

export function buildModel(architecture: Architecture, opts: ClassifierOptions): tf.LayersModel {
  return architecture === 'reference' ? buildReferenceNetwork(opts) : buildClassifier(opts)
}
