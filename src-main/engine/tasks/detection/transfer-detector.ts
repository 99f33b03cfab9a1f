// The detector on a pretrained backbone: the backbone's deepest feature map at stride 16 (or its
// last map when it stops earlier or goes past without an exact stride-16 map), a neck that
// upsamples it to stride 4 (joined on the way with the backbone's stride-8 map when it has one),
// and the same three heads as the detector trained from scratch. The backbone's layers are replayed
// into one flat functional graph of stock Keras layers, so model.h5 and the TF.js files hold the
// whole network and take 0–255 pixels at the backbone's input size. The backbone stays frozen
// (its batch norms on their moving statistics) except for the last `fineTuneLayers` weighted layers.

import * as tf from '@tensorflow/tfjs'
import { backboneInvalid } from '../../backbone/backbone-files'
import { replayLayers } from '../../backbone/replay-layers'
import { openLastLayers, type BackboneGraph } from '../classification/transfer-model'
import { DETECTOR_STRIDE, detectionHeads, type DetectorOptions } from './model'

/** The feature stride the neck starts from when the backbone has it: MobileNets at 224 give 14×14. */
const PREFERRED_STRIDE = 16
/** Deeper maps than this would need more upsampling than their cells carry. */
const MAX_STRIDE = 32
const NECK_FILTERS = 64
/** Layer names the neck and heads take; a backbone that uses them cannot be replayed beside them. */
const HEAD_NAMES = ['heatmap', 'box_size', 'center_offset']

/** A backbone layer whose output the detector reads, and that output's stride. */
export interface FeatureTap {
  layer: string
  stride: number
}

export interface FeatureTaps {
  /** The map the neck upsamples. */
  feature: FeatureTap
  /** The stride-8 map joined on the way up, when the backbone has one before the feature. */
  skip?: FeatureTap
}

export interface TransferDetectorOptions extends Pick<
  DetectorOptions,
  'numClasses' | 'seed' | 'sizePrior'
> {
  backbone: BackboneGraph
  /** Weighted backbone layers (counted from the feature map back) that train; 0 by default. */
  fineTuneLayers?: number
}

export interface TransferDetector {
  model: tf.LayersModel
  taps: FeatureTaps
  /** Backbone layers opened for training. */
  fineTuned: string[]
}

/** The stride of a layer's output: input side over map side, when that divides exactly. */
function strideOf(layer: tf.layers.Layer, side: number): number | undefined {
  const shape = layer.outputShape
  if (!Array.isArray(shape) || shape.length !== 4 || Array.isArray(shape[0])) return undefined
  const [, height, width] = shape as (number | null)[]
  if (typeof height !== 'number' || height !== width || side % height !== 0) return undefined
  const stride = side / height
  return Number.isInteger(Math.log2(stride)) ? stride : undefined
}

/** Where the detector reads the backbone, from its layers' output shapes alone. */
export function featureTaps(
  backbone: tf.LayersModel,
  side: number,
  spec = backbone.name,
): FeatureTaps {
  const mapped = backbone.layers.flatMap((layer, index) => {
    const stride = layer.getClassName() === 'InputLayer' ? undefined : strideOf(layer, side)
    return stride !== undefined && stride >= DETECTOR_STRIDE && stride <= MAX_STRIDE
      ? [{ layer: layer.name, stride, index }]
      : []
  })
  const atPreferred = mapped.filter((tap) => tap.stride === PREFERRED_STRIDE).at(-1)
  const deepest = Math.max(...mapped.map((tap) => tap.stride))
  const feature = atPreferred ?? mapped.filter((tap) => tap.stride === deepest).at(-1)
  if (feature === undefined)
    throw backboneInvalid(
      spec,
      `backbone ${spec} has no square feature map at a stride from ${DETECTOR_STRIDE} to ${MAX_STRIDE} of its ${side}px input`,
    )
  const skip = mapped.filter((tap) => tap.stride === 8 && tap.index < feature.index).at(-1)
  return {
    feature: { layer: feature.layer, stride: feature.stride },
    ...(skip && feature.stride > 8 && { skip: { layer: skip.layer, stride: skip.stride } }),
  }
}

/** Conv (no bias) → batch norm → ReLU, named `name_*`. */
function convUnit(
  input: tf.SymbolicTensor,
  name: string,
  filters: number,
  kernelSize: number,
  seed: number,
): tf.SymbolicTensor {
  const conv = tf.layers.conv2d({
    name: `${name}_conv`,
    filters,
    kernelSize,
    padding: 'same',
    useBias: false,
    kernelInitializer: tf.initializers.heNormal({ seed }),
  })
  const norm = tf.layers.batchNormalization({ name: `${name}_bn` })
  const relu = tf.layers.activation({ name: `${name}_relu`, activation: 'relu' })
  return relu.apply(norm.apply(conv.apply(input))) as tf.SymbolicTensor
}

function layerOutput(model: tf.LayersModel, name: string): tf.SymbolicTensor {
  return model.getLayer(name).output as tf.SymbolicTensor
}

/** Pixels 0–255 at the backbone's size in, [heatmap, box_size, center_offset] at stride 4 out. */
export function buildTransferDetector(opts: TransferDetectorOptions): TransferDetector {
  const { backbone, seed } = opts
  const source = backbone.model
  const side = backbone.inputShape[0]
  const clash = source.layers.find(
    (layer) =>
      layer.getClassName() !== 'InputLayer' &&
      (layer.name.startsWith('neck_') || HEAD_NAMES.some((head) => layer.name.startsWith(head))),
  )
  if (clash !== undefined)
    throw backboneInvalid(
      source.name,
      `backbone ${source.name} has a layer named ${clash.name}, a name the detector's own layers take`,
    )
  if (side % DETECTOR_STRIDE !== 0)
    throw backboneInvalid(
      source.name,
      `backbone ${source.name} takes ${side}px images; the detector needs a multiple of ${DETECTOR_STRIDE}`,
    )
  const taps = featureTaps(source, side)
  // The part of the backbone the detector runs: its input up to the taps, sharing its layers.
  const used = tf.model({
    name: `${source.name}_features`,
    inputs: source.inputs,
    outputs: [taps.feature, ...(taps.skip ? [taps.skip] : [])].map((tap) =>
      layerOutput(source, tap.layer),
    ),
  })
  const fineTuned = openLastLayers(used, opts.fineTuneLayers ?? 0)
  // 'image' is free even when the backbone's own input has that name: that layer is not replayed.
  const pixels = tf.input({ name: 'image', shape: backbone.inputShape })
  const scaled =
    backbone.inputScaling === 'raw'
      ? pixels
      : (tf.layers
          .rescaling({ name: 'neck_input_scaling', scale: 1 / 127.5, offset: -1 })
          .apply(pixels) as tf.SymbolicTensor)
  const [feature, skip] = replayLayers(used, scaled, used.outputs)
  let x = convUnit(feature!, 'neck_reduce', NECK_FILTERS, 1, seed + 40)
  for (let stride = taps.feature.stride, step = 1; stride > DETECTOR_STRIDE; stride /= 2, step++) {
    const name = `neck_up${step}`
    x = tf.layers
      .upSampling2d({ name: `${name}_upsample`, size: [2, 2] })
      .apply(x) as tf.SymbolicTensor
    if (skip !== undefined && stride / 2 === taps.skip?.stride) {
      const lateral = convUnit(skip, `${name}_lateral`, NECK_FILTERS, 1, seed + 50 + step)
      x = tf.layers.concatenate({ name: `${name}_concat` }).apply([x, lateral]) as tf.SymbolicTensor
    }
    x = convUnit(x, name, NECK_FILTERS, 3, seed + 60 + step)
  }
  if (taps.feature.stride === DETECTOR_STRIDE)
    x = convUnit(x, 'neck_refine', NECK_FILTERS, 3, seed + 60)
  const outputs = detectionHeads(x, opts)
  const model = tf.model({ name: 'transfer_detector', inputs: pixels, outputs })
  return { model, taps, fineTuned }
}
