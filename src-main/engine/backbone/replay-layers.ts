// A backbone's layers called again on a new input, in the backbone's own order, so that they (and
// their weights) join the graph being built instead of nesting the backbone as one layer: Keras
// orders a nested model's weights differently from tfjs, and a flat functional graph of stock
// layers exports and reloads the same way everywhere. Any of the backbone's tensors can be asked
// for, so a task can take inner feature maps as well as the output.

import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../src-shared/errors'

/** The replayed counterparts of `wanted` (tensors of `model`'s graph), fed from `input`. */
export function replayLayers(
  model: tf.LayersModel,
  input: tf.SymbolicTensor,
  wanted: readonly tf.SymbolicTensor[],
): tf.SymbolicTensor[] {
  const replayed = new Map<number, tf.SymbolicTensor>()
  const modelInput = model.inputs[0]
  if (modelInput === undefined || model.inputs.length !== 1)
    throw new AppFailure(
      appError('BACKBONE_INVALID', `${model.name} must have one input`, { field: 'backbone' }),
    )
  replayed.set(modelInput.id, input)
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue
    // Only the nodes of this model's graph, seen before any replay added new ones.
    for (const node of [...layer.inboundNodes]) {
      const inputs = node.inputTensors.map((tensor) => replayed.get(tensor.id))
      if (inputs.length === 0 || inputs.some((tensor) => tensor === undefined)) continue
      if (node.outputTensors.every((tensor) => replayed.has(tensor.id))) continue
      const given = inputs as tf.SymbolicTensor[]
      const output = layer.apply(given.length === 1 ? given[0]! : given, node.callArgs ?? {})
      const outputs = Array.isArray(output) ? output : [output]
      node.outputTensors.forEach((tensor, i) =>
        replayed.set(tensor.id, outputs[i] as tf.SymbolicTensor),
      )
    }
  }
  return wanted.map((tensor) => {
    const result = replayed.get(tensor.id)
    if (result === undefined)
      throw new AppFailure(
        appError(
          'BACKBONE_INVALID',
          `${model.name}: ${tensor.name} does not follow from its input`,
          { field: 'backbone' },
        ),
      )
    return result
  })
}
