// The pretrained network a transfer model starts from, given as a path or an http(s) URL of a
// TF.js layers model (model.json) or a Keras .h5 file: resolved, downloaded once when remote,
// loaded with its weights and described (input size, pixel scaling, a content id for caches).
// checkBackbone does the same short of building the model, so a job can refuse a missing or
// broken backbone before it syncs anything.

import { rm, stat } from 'node:fs/promises'
import { extname, join, resolve } from 'node:path'
import type * as tf from '@tensorflow/tfjs'
import {
  classifyBackbone,
  type BackboneProblem,
  type BackboneReference,
} from '../../../src-shared/backbone-reference'
import { AppFailure } from '../../../src-shared/errors'
import { BACKBONE_MAX_LENGTH } from '../../../src-shared/train-params'
import {
  backboneInvalid,
  backboneNotFound,
  checkLayersModelFiles,
  fileSha256,
  loadLayersModelFile,
  relabelled,
} from './backbone-files'
import {
  BACKBONE_LOCAL_FILE,
  type BackboneFormat,
  type DownloadOptions,
  downloadBackbone,
} from './backbone-download'
import { checkKerasH5, loadKerasH5 } from './load-keras-h5'

export interface Backbone {
  /** As loaded, weights set. */
  model: tf.LayersModel
  /** sha256 (hex) over the model's files (topology + weights): names caches, changes when the model does. */
  id: string
  /** [h, w, 3] the backbone takes. */
  inputShape: [number, number, number]
  /**
   * 'raw' when its first layer after the input is a Rescaling layer, so it takes 0–255 pixels;
   * otherwise 'symmetric': pixels must be scaled to [-1, 1] as Keras' MobileNet family expects.
   */
  inputScaling: 'raw' | 'symmetric'
  /** The local file it was loaded from (model.json or .h5). */
  file: string
}

export type LoadBackboneOptions = DownloadOptions

/** The format a file name or URL path stands for, by its extension. */
function formatOf(name: string): BackboneFormat | undefined {
  const extension = extname(name).toLowerCase()
  if (extension === '.json') return 'tfjs'
  if (extension === '.h5' || extension === '.hdf5') return 'h5'
  return undefined
}

function unknownFormat(spec: string): AppFailure {
  return backboneInvalid(
    spec,
    `backbone ${spec} is neither a TF.js model.json (or a folder holding one) nor a Keras .h5 file`,
  )
}

/** A local path to the model file: the path itself, or model.json inside a folder. */
async function localModelFile(spec: string): Promise<{ file: string; format: BackboneFormat }> {
  const path = resolve(spec)
  const info = await stat(path).catch(() => undefined)
  if (info === undefined) throw backboneNotFound(path)
  if (info.isDirectory()) {
    const file = join(path, BACKBONE_LOCAL_FILE.tfjs)
    if (
      !(await stat(file).then(
        (found) => found.isFile(),
        () => false,
      ))
    )
      throw backboneNotFound(file)
    return { file, format: 'tfjs' }
  }
  const format = formatOf(path)
  if (format === undefined) throw unknownFormat(path)
  return { file: path, format }
}

/** The Keras reader's MODEL_FILE_* errors, as backbone errors. */
async function asBackbone<T>(file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (error) {
    if (!(error instanceof AppFailure)) throw error
    if (error.error.code === 'MODEL_FILE_MISSING') throw backboneNotFound(file)
    throw backboneInvalid(file, error.error.message)
  }
}

async function loadH5(file: string): Promise<{ model: tf.LayersModel; id: string }> {
  return asBackbone(file, async () => {
    const model = await loadKerasH5(file)
    return { model, id: await fileSha256(file) }
  })
}

/** Input size and pixel scaling; refuses what a classifier head cannot sit on. */
function describe(model: tf.LayersModel, file: string): Omit<Backbone, 'model' | 'id' | 'file'> {
  if (model.inputs.length !== 1 || model.outputs.length !== 1)
    throw backboneInvalid(
      file,
      `${file}: a backbone needs one input and one output, this model has ${model.inputs.length} and ${model.outputs.length}`,
    )
  const shape = model.inputs[0]?.shape ?? []
  const [, height, width, channels] = shape
  if (shape.length !== 4 || channels !== 3)
    throw backboneInvalid(
      file,
      `${file}: a backbone takes RGB images [height, width, 3], this one takes ${JSON.stringify(shape.slice(1))}`,
    )
  if (typeof height !== 'number' || typeof width !== 'number' || height <= 0 || width <= 0)
    throw backboneInvalid(
      file,
      `${file}: the input size is not fixed (${JSON.stringify(shape.slice(1))}); save the backbone with a fixed input shape such as [224, 224, 3]`,
    )
  const first = model.layers.find((layer) => layer.getClassName() !== 'InputLayer')
  return {
    inputShape: [height, width, 3],
    inputScaling: first?.getClassName() === 'Rescaling' ? 'raw' : 'symmetric',
  }
}

async function loadModelFile(file: string, format: BackboneFormat): Promise<Backbone> {
  const { model, id } = format === 'h5' ? await loadH5(file) : await loadLayersModelFile(file)
  try {
    return { model, id, file, ...describe(model, file) }
  } catch (error) {
    model.dispose()
    throw error
  }
}

/**
 * A URL's backbone on disk, downloaded unless cached, then `use`d. A download that does not load
 * would fail from the cache forever: it is dropped, so the next attempt fetches it again (perhaps
 * fixed at its source).
 */
async function fromUrl<T>(
  url: URL,
  options: LoadBackboneOptions,
  use: (file: string, format: BackboneFormat) => Promise<T>,
): Promise<T> {
  const format = formatOf(url.pathname)
  if (format === undefined) throw unknownFormat(url.href)
  const { file, dir } = await downloadBackbone(url.href, format, options)
  try {
    return await use(file, format)
  } catch (error) {
    if (error instanceof AppFailure && error.error.code === 'BACKBONE_INVALID')
      await rm(dir, { recursive: true, force: true })
    // The cached copy is named by the URL it came from.
    throw relabelled(error, file, url.href)
  }
}

function referenceRefused(
  spec: string,
  reference: Extract<BackboneReference, { kind: 'invalid' }>,
): AppFailure {
  const messages: Record<BackboneProblem, string> = {
    empty: 'backbone is empty',
    'too-long': `backbone is longer than ${BACKBONE_MAX_LENGTH} characters`,
    'control-characters': 'backbone contains control characters',
    'unsupported-scheme': `backbone ${spec} uses the ${reference.scheme ?? ''}: scheme; give a path or an http(s) URL`,
    'malformed-url': `backbone ${spec} is not a valid URL`,
  }
  // A value too long to echo is named by its start only.
  const named = reference.problem === 'too-long' ? spec.slice(0, 80) : spec
  return backboneInvalid(named, messages[reference.problem])
}

/** The model file `spec` names and its format, downloaded first when it is a URL. */
async function withModelFile<T>(
  spec: string,
  options: LoadBackboneOptions,
  use: (file: string, format: BackboneFormat) => Promise<T>,
): Promise<T> {
  const reference = classifyBackbone(spec)
  if (reference.kind === 'url') return fromUrl(reference.url, options, use)
  if (reference.kind === 'invalid') throw referenceRefused(spec, reference)
  const { file, format } = await localModelFile(spec)
  return use(file, format)
}

/**
 * Loads the backbone `spec` names: a path to model.json, a folder holding one or a .h5 file, or
 * an http(s) URL of model.json or .h5 (downloaded once into `<home>/backbones/`).
 */
export async function loadBackbone(spec: string, options: LoadBackboneOptions): Promise<Backbone> {
  return withModelFile(spec, options, loadModelFile)
}

/**
 * Finds the backbone `spec` names (downloading a URL once, as loadBackbone would) and checks its
 * files without building the model: model.json and the size of every weight file, or a .h5 that
 * holds an architecture. Answers the local model file.
 */
export async function checkBackbone(spec: string, options: LoadBackboneOptions): Promise<string> {
  return withModelFile(spec, options, async (file, format) => {
    if (format === 'h5') await asBackbone(file, () => checkKerasH5(file))
    else await checkLayersModelFiles(file)
    return file
  })
}
