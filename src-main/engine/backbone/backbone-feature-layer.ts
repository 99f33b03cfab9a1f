// A backbone cut at a named layer: the pretrained models that end in a classifier (MobileNet v1 as
// tfjs-models publishes it ends in ImageNet's softmax) give their features from an inner layer,
// and the new head sits there instead. The cut model shares the loaded one's layers and weights;
// its id says where it was cut, so embeddings cached for one cut are never read for another.

import { createHash } from 'node:crypto'
import * as tf from '@tensorflow/tfjs'
import { backboneInvalid } from './backbone-files'
import type { Backbone } from './backbone-source'

/** `backbone` ending at `layerName`'s output; BACKBONE_INVALID when it has no such layer. */
export function cutAtLayer(backbone: Backbone, layerName: string, spec: string): Backbone {
  const layer = backbone.model.layers.find((candidate) => candidate.name === layerName)
  if (layer === undefined)
    throw backboneInvalid(spec, `backbone ${spec} has no layer ${layerName} to take features from`)
  if (layer === backbone.model.layers.at(-1)) return backbone
  const model = tf.model({
    name: `${backbone.model.name}_to_${layerName}`,
    inputs: backbone.model.inputs,
    outputs: layer.output as tf.SymbolicTensor,
  })
  const id = createHash('sha256').update(`${backbone.id}#${layerName}`).digest('hex')
  return { ...backbone, model, id }
}
