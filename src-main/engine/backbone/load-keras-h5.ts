// Reads a Keras HDF5 model (the layout keras-h5-layout.ts describes) back into a tfjs model: the
// architecture from model_config, then every layer's weights by name. Used to check exports and
// to start training from an earlier model, and checked quickly (architecture present) before a
// job that needs one starts. Messages never quote the file's strings (layer or weight names, the
// config): they say what was expected and where, by position.

import { open } from 'node:fs/promises'
import * as tf from '@tensorflow/tfjs'
import h5wasm from 'h5wasm/node'
import { AppFailure, appError } from '../../../src-shared/errors'
import { MODEL_WEIGHTS_GROUP } from '../export/keras-h5-layout'

type Group = InstanceType<typeof h5wasm.Group>

function invalid(file: string, message: string): AppFailure {
  return new AppFailure(appError('MODEL_FILE_INVALID', `${file}: ${message}`, { file }))
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return new TextDecoder().decode(value)
  return undefined
}

function attributeNames(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value]
  return items.map(textOf).filter((item): item is string => item !== undefined && item !== '')
}

/**
 * A name-list attribute (fixed or variable-length strings), or [] when it is absent. Keras splits
 * lists too long for one HDF5 object header into `name0`, `name1`, …, so those are read too.
 */
function nameList(group: Group, name: string): string[] {
  const attribute = group.attrs[name]
  if (attribute !== undefined) return attributeNames(attribute.value)
  const names: string[] = []
  for (let chunk = 0; group.attrs[`${name}${chunk}`] !== undefined; chunk++)
    names.push(...attributeNames(group.attrs[`${name}${chunk}`]?.value))
  return names
}

function readLayerWeights(file: string, group: Group, names: string[], layer: number): tf.Tensor[] {
  return names.map((name, index) => {
    const where = `weight ${index} of layer ${layer} in layer_names`
    const dataset = group.get(name)
    if (!(dataset instanceof h5wasm.Dataset)) throw invalid(file, `${where} is missing`)
    const values = dataset.value
    if (!(values instanceof Float32Array || values instanceof Float64Array))
      throw invalid(file, `${where} is not a float array`)
    return tf.tensor(values, dataset.shape ?? [], 'float32')
  })
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])

/**
 * True when the file carries the HDF5 signature, at offset 0 or after a user block (512, 1024,
 * 2048, … bytes). Checked first because the HDF5 library, given anything else, prints a page of
 * diagnostics and hands back a dead file handle instead of failing cleanly.
 */
async function isHdf5(file: string): Promise<boolean> {
  const handle = await open(file, 'r')
  try {
    const { size } = await handle.stat()
    const probe = Buffer.alloc(HDF5_SIGNATURE.length)
    for (let offset = 0; offset + probe.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      await handle.read(probe, 0, probe.length, offset)
      if (probe.equals(HDF5_SIGNATURE)) return true
    }
    return false
  } finally {
    await handle.close()
  }
}

type LayerConfig = { class_name?: unknown; config?: Record<string, unknown> }

/**
 * Brings a layer config written by Keras 2 into the form tfjs-layers reads. Keras writes a built
 * BatchNormalization's axis as a list, and a dtype policy object where tfjs expects a dtype name;
 * a ReLU with a threshold or a negative slope has no tfjs equivalent and would silently compute
 * something else, so it is refused.
 */
function adaptLayerConfig(file: string, layer: LayerConfig): void {
  const config = layer.config
  if (config === undefined) return
  if (typeof config.dtype === 'object' && config.dtype !== null) {
    const policy = (config.dtype as { config?: { name?: unknown } }).config?.name
    config.dtype = policy === 'float32' ? 'float32' : undefined
  }
  if (layer.class_name === 'BatchNormalization' && Array.isArray(config.axis)) {
    if (config.axis.length !== 1)
      throw invalid(file, 'a BatchNormalization layer normalises over several axes')
    config.axis = config.axis[0]
  }
  if (layer.class_name === 'ReLU') {
    for (const key of ['negative_slope', 'threshold'])
      if (config[key] !== undefined && config[key] !== null && config[key] !== 0)
        throw invalid(
          file,
          `a ReLU layer has ${key}${typeof config[key] === 'number' ? ` ${config[key]}` : ''}, which tfjs cannot compute`,
        )
  }
  const nested = config.layers
  if (Array.isArray(nested))
    for (const inner of nested) adaptLayerConfig(file, inner as LayerConfig)
}

async function readModel(file: string, h5: InstanceType<typeof h5wasm.File>) {
  const configText = modelConfigText(file, h5)
  const topology = parseModelConfig(file, configText)
  adaptLayerConfig(file, topology)
  const model = await tf.models
    .modelFromJSON({ modelTopology: topology as tf.io.ModelJSON['modelTopology'] })
    .catch((error: unknown) => {
      // tfjs quotes the config (layer and class names) in its messages; name the kind only.
      const unknown = /^Unknown (layer|initializer|regularizer|constraint|activation)/.exec(
        error instanceof Error ? error.message : '',
      )?.[1]
      throw invalid(
        file,
        unknown === undefined
          ? 'its model_config cannot be built as a tfjs model'
          : `its model_config uses a ${unknown} that tfjs does not know; use standard Keras layers`,
      )
    })
  const weights = h5.get(MODEL_WEIGHTS_GROUP)
  const weightsGroup = weights instanceof h5wasm.Group ? weights : h5
  try {
    for (const [index, layerName] of nameList(weightsGroup, 'layer_names').entries()) {
      const group = weightsGroup.get(layerName)
      if (!(group instanceof h5wasm.Group))
        throw invalid(file, `layer ${index} in layer_names has no weights group`)
      const weightNames = nameList(group, 'weight_names')
      if (weightNames.length === 0) continue
      const tensors = readLayerWeights(file, group, weightNames, index)
      try {
        model.getLayer(layerName).setWeights(tensors)
      } catch (error) {
        if (error instanceof AppFailure) throw error
        throw invalid(file, `layer ${index} in layer_names does not match its weights`)
      } finally {
        tf.dispose(tensors)
      }
    }
  } catch (error) {
    model.dispose()
    throw error
  }
  return model
}

function parseModelConfig(file: string, text: string): LayerConfig {
  try {
    const parsed = JSON.parse(text) as unknown
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as LayerConfig
  } catch {
    // Reported below, without the text.
  }
  throw invalid(file, 'its model_config is not a JSON object describing a Keras model')
}

/** The model_config attribute's text, or why there is none. */
function modelConfigText(file: string, h5: InstanceType<typeof h5wasm.File>): string {
  const configText = textOf(h5.attrs.model_config?.value)
  if (configText !== undefined) return configText
  const weightsOnly = h5.get(MODEL_WEIGHTS_GROUP) !== null || h5.attrs.layer_names !== undefined
  throw invalid(
    file,
    weightsOnly
      ? 'it holds weights only (no model_config): save the model with its architecture (model.save), not model.save_weights'
      : 'it has no model_config attribute',
  )
}

/** Opens `file` as HDF5 after checking its signature; MODEL_FILE_* errors otherwise. */
async function openHdf5(file: string): Promise<InstanceType<typeof h5wasm.File>> {
  let hdf5: boolean
  try {
    hdf5 = await isHdf5(file)
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new AppFailure(
      missing
        ? appError('MODEL_FILE_MISSING', `${file} does not exist`, { file })
        : appError('MODEL_FILE_UNREADABLE', `${file} cannot be read: ${String(error)}`, { file }),
    )
  }
  if (!hdf5) throw invalid(file, 'not an HDF5 file')
  await h5wasm.ready
  return new h5wasm.File(file, 'r')
}

export async function loadKerasH5(file: string): Promise<tf.LayersModel> {
  const h5 = await openHdf5(file)
  try {
    return await readModel(file, h5)
  } catch (error) {
    if (error instanceof AppFailure) throw error
    throw invalid(file, 'it cannot be read as a Keras model')
  } finally {
    h5.close()
  }
}

/**
 * Checks, without building the model or reading weights, that `file` is HDF5 with a Keras
 * architecture: what a job can afford to find out before it syncs its dataset.
 */
export async function checkKerasH5(file: string): Promise<void> {
  const h5 = await openHdf5(file)
  try {
    const topology = parseModelConfig(file, modelConfigText(file, h5))
    if (typeof topology.class_name !== 'string' || typeof topology.config !== 'object')
      throw invalid(file, 'its model_config has no class_name and config: it is not a Keras model')
  } catch (error) {
    if (error instanceof AppFailure) throw error
    throw invalid(file, 'it cannot be read as a Keras model')
  } finally {
    h5.close()
  }
}
