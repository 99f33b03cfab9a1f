// Writes a trained model as a Keras HDF5 file (model.h5, the file the seed asks for), through
// h5wasm: the model config, the training config and every weight in Keras' layout and order.

import h5wasm from 'h5wasm/node'
import type * as tf from '@tensorflow/tfjs'
import { replaceAtomically } from '../../platform/atomic-file'
import {
  KERAS_BACKEND,
  KERAS_VERSION,
  MODEL_WEIGHTS_GROUP,
  kerasModelConfig,
  kerasWeightName,
} from './keras-h5-layout'

type Group = InstanceType<typeof h5wasm.Group>

/** Keras stores name lists as fixed-length byte strings; so does this file. */
function nameListAttribute(target: Group, name: string, values: string[]): void {
  const width = Math.max(1, ...values.map((value) => Buffer.byteLength(value, 'utf8')))
  target.create_attribute(name, values, [values.length], `S${width}`)
}

/** The group at `path` below `parent`, created along the way. */
function groupAt(parent: Group, path: string[]): Group {
  let group = parent
  for (const part of path) {
    const existing = group.get(part)
    group = existing instanceof h5wasm.Group ? existing : group.create_group(part)
  }
  return group
}

function writeLayerWeights(weightsGroup: Group, layer: tf.layers.Layer): void {
  const group = weightsGroup.create_group(layer.name)
  const nested = 'layers' in layer
  const names = layer.weights.map((weight) => kerasWeightName(layer.name, weight, nested))
  nameListAttribute(group, 'weight_names', names)
  layer.weights.forEach((weight, i) => {
    const parts = (names[i] as string).split('/')
    const datasetName = parts.pop() as string
    const values = weight.read().dataSync() as Float32Array
    groupAt(group, parts).create_dataset({
      name: datasetName,
      data: Float32Array.from(values),
      shape: weight.shape.map((size) => size ?? 0),
      dtype: '<f',
    })
  })
}

export async function saveKerasH5(
  model: tf.LayersModel,
  file: string,
  trainingConfig?: object,
): Promise<void> {
  await h5wasm.ready
  await replaceAtomically(file, async (temporary) => {
    const h5 = new h5wasm.File(temporary, 'w')
    try {
      h5.create_attribute('keras_version', KERAS_VERSION)
      h5.create_attribute('backend', KERAS_BACKEND)
      h5.create_attribute('model_config', JSON.stringify(kerasModelConfig(model)))
      if (trainingConfig !== undefined)
        h5.create_attribute('training_config', JSON.stringify(trainingConfig))
      const weightsGroup = h5.create_group(MODEL_WEIGHTS_GROUP)
      weightsGroup.create_attribute('keras_version', KERAS_VERSION)
      weightsGroup.create_attribute('backend', KERAS_BACKEND)
      nameListAttribute(
        weightsGroup,
        'layer_names',
        model.layers.map((layer) => layer.name),
      )
      for (const layer of model.layers) writeLayerWeights(weightsGroup, layer)
    } finally {
      h5.close()
    }
  })
}
