// The legacy Keras HDF5 model layout (what `model.save('model.h5')` writes in Keras 2), shared by
// the exporter and the loader: attribute names, how weights are named and where they sit.
//
//   /                       attrs: keras_version, backend, model_config (JSON), training_config
//   /model_weights          attrs: keras_version, backend, layer_names (every layer, in order)
//   /model_weights/<layer>  attrs: weight_names, e.g. ["conv2d/kernel:0", "conv2d/bias:0"]
//   /model_weights/<layer>/<layer>/kernel:0   float32 dataset in Keras' weight order

import type * as tf from '@tensorflow/tfjs'

/** The Keras release whose HDF5 layout and layer configs these files follow. */
export const KERAS_VERSION = '2.15.0'
export const KERAS_BACKEND = 'tensorflow'
export const MODEL_WEIGHTS_GROUP = 'model_weights'

/**
 * Keras' name for a layer's weight: `<layer>/<short name>:0`. The weights of a nested model (a
 * backbone used as one layer) keep the name of the inner layer that owns them, as in Keras, so
 * they stay distinct within the nested model's group.
 */
export function kerasWeightName(
  layerName: string,
  weight: tf.LayerVariable,
  nested = false,
): string {
  const parts = weight.originalName.split('/')
  const short = parts.pop() ?? weight.originalName
  const owner = nested ? (parts.pop() ?? layerName) : layerName
  return `${owner}/${short}:0`
}

/** The model's Keras config: the class and layer configs tfjs-layers already writes in Keras form. */
export function kerasModelConfig(model: tf.LayersModel): Record<string, unknown> {
  const json = model.toJSON(null, false) as { class_name: string; config: unknown }
  return {
    class_name: json.class_name,
    config: json.config,
    keras_version: KERAS_VERSION,
    backend: KERAS_BACKEND,
  }
}

/**
 * What Keras needs to compile the model again on load: Adam at the rate it was trained with, and
 * a loss that takes class indices (as listed in labels.json).
 */
export function kerasTrainingConfig(learningRate: number): Record<string, unknown> {
  return {
    loss: 'sparse_categorical_crossentropy',
    metrics: ['accuracy'],
    weighted_metrics: null,
    loss_weights: null,
    optimizer_config: {
      class_name: 'Adam',
      config: {
        name: 'Adam',
        learning_rate: learningRate,
        beta_1: 0.9,
        beta_2: 0.999,
        epsilon: 1e-7,
        amsgrad: false,
      },
    },
  }
}

/**
 * A detector's training config: the optimizer only. Its loss (focal + L1 on targets computed
 * outside the graph) is no stock Keras loss, and a loss name Keras cannot resolve would make
 * `keras.models.load_model` fail; with `loss: null` it compiles the optimizer and loads.
 */
export function kerasDetectionTrainingConfig(learningRate: number): Record<string, unknown> {
  return { ...kerasTrainingConfig(learningRate), loss: null, metrics: null }
}
