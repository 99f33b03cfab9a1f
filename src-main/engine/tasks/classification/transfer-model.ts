// The networks of transfer learning, all sharing the backbone's layers and weights:
//   embedder:   pixels 0–255 → the backbone's input scaling → backbone → global average pool
//   head:       embedding → softmax (trained alone while the backbone stays frozen)
//   classifier: pixels → embedder's layers → head's layers, one flat Keras model, so the exported
//               model.h5 and TF.js files take plain pixels like every other model of the app.
// Flat rather than nested (see replay-layers).

import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../../src-shared/errors'
import { replayLayers as replayBackbone } from '../../backbone/replay-layers'

/** What the graph needs to know about a loaded backbone. */
export interface BackboneGraph {
  model: tf.LayersModel
  inputShape: [number, number, number]
  /** 'raw': its first layer scales 0–255 pixels itself; 'symmetric': it expects [-1, 1]. */
  inputScaling: 'raw' | 'symmetric'
}

/**
 * The head is one softmax layer, without dropout: tfjs draws a seeded dropout mask afresh from
 * the same seed at every step (the same mask each time), and an unseeded one would make runs
 * irreproducible. Early stopping on validation loss keeps it from overfitting instead.
 */
const HEAD_LAYER = 'predictions'

/** The backbone's single output, its layers called again on `input` (see replay-layers). */
function replayLayers(model: tf.LayersModel, input: tf.SymbolicTensor): tf.SymbolicTensor {
  if (model.outputs.length !== 1)
    throw new AppFailure(
      appError('BACKBONE_INVALID', `${model.name} must have one input and one output`, {
        field: 'backbone',
      }),
    )
  return replayBackbone(model, input, model.outputs)[0]!
}

/** Pixels in, pooled features out: the backbone behind its input scaling. */
function embedderOutput(backbone: BackboneGraph, pixels: tf.SymbolicTensor): tf.SymbolicTensor {
  const taken = new Set(backbone.model.layers.map((layer) => layer.name))
  const scaled =
    backbone.inputScaling === 'raw'
      ? pixels
      : (tf.layers
          .rescaling({ name: freeName('input_scaling', taken), scale: 1 / 127.5, offset: -1 })
          .apply(pixels) as tf.SymbolicTensor)
  const features = replayLayers(backbone.model, scaled)
  if (features.shape.length === 4)
    return tf.layers
      .globalAveragePooling2d({ name: freeName('embedding_pool', taken) })
      .apply(features) as tf.SymbolicTensor
  if (features.shape.length === 2) return features
  throw new AppFailure(
    appError(
      'BACKBONE_INVALID',
      `${backbone.model.name} outputs shape [${features.shape.join(', ')}]; a feature map or vector is needed`,
      { field: 'backbone' },
    ),
  )
}

function pixelInput(backbone: BackboneGraph): tf.SymbolicTensor {
  const taken = new Set(backbone.model.layers.map((layer) => layer.name))
  return tf.input({ shape: backbone.inputShape, name: freeName('pixels', taken) })
}

/** The model that turns 0–255 pixels into embeddings (inference only). */
export function buildEmbedder(backbone: BackboneGraph): tf.LayersModel {
  const pixels = pixelInput(backbone)
  return tf.model({ inputs: pixels, outputs: embedderOutput(backbone, pixels), name: 'embedder' })
}

/** Length of the embedder's output vector. */
export function embeddingSize(embedder: tf.LayersModel): number {
  const size = embedder.outputs[0]?.shape[1]
  if (typeof size !== 'number')
    throw new AppFailure(
      appError('BACKBONE_INVALID', 'the backbone has no fixed feature size', { field: 'backbone' }),
    )
  return size
}

/** `base`, or `base_1`, `base_2`, … when a backbone layer already has that name. */
function freeName(base: string, taken: ReadonlySet<string>): string {
  let name = base
  for (let n = 1; taken.has(name); n++) name = `${base}_${n}`
  return name
}

/** The classification head trained on embeddings; its layer names avoid the backbone's. */
export function buildHead(
  embedding: number,
  numClasses: number,
  seed: number,
  backbone?: tf.LayersModel,
): tf.LayersModel {
  const taken = new Set(backbone?.layers.map((layer) => layer.name) ?? [])
  const head = tf.sequential({ name: 'head' })
  head.add(
    tf.layers.dense({
      name: freeName(HEAD_LAYER, taken),
      inputShape: [embedding],
      units: numClasses,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    }),
  )
  return head
}

/** Pixels → backbone → head as one flat model, sharing the backbone's and the head's weights. */
export function buildTransferClassifier(
  backbone: BackboneGraph,
  head: tf.LayersModel,
): tf.LayersModel {
  const pixels = pixelInput(backbone)
  const probabilities = replayLayers(head, embedderOutput(backbone, pixels))
  return tf.model({ inputs: pixels, outputs: probabilities, name: 'transfer' })
}

/**
 * Lets the last `count` backbone layers that have weights train; all earlier ones stay frozen.
 * Frozen batch-norm layers keep using their moving statistics even in training steps (as in
 * Keras), or a few small batches would overwrite statistics learnt on millions of images.
 * Returns the names of the layers opened.
 */
export function openLastLayers(backbone: tf.LayersModel, count: number): string[] {
  const weighted = backbone.layers.filter((layer) => layer.weights.length > 0)
  const open = new Set(count > 0 ? weighted.slice(-count) : [])
  for (const layer of backbone.layers) {
    layer.trainable = open.has(layer)
    if (!open.has(layer) && layer.getClassName() === 'BatchNormalization') freezeStatistics(layer)
  }
  return [...open].map((layer) => layer.name)
}

const frozenStatistics = new WeakSet<tf.layers.Layer>()

function freezeStatistics(layer: tf.layers.Layer): void {
  if (frozenStatistics.has(layer)) return
  frozenStatistics.add(layer)
  const call = layer.call.bind(layer)
  layer.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false })
}
