// A backbone's files on disk: the errors that name them, the checks on a TF.js layers model's
// model.json and weight manifest, and loading that model from disk (tfjs has no file:// handler in
// Node without tfjs-node, so the files are read here and handed over in memory).

import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../src-shared/errors'

export const BACKBONE_FIELD = 'backbone'

export function backboneInvalid(
  file: string,
  message: string,
  details?: Record<string, unknown>,
): AppFailure {
  return new AppFailure(
    appError('BACKBONE_INVALID', message, { file, field: BACKBONE_FIELD, details }),
  )
}

export function backboneNotFound(file: string): AppFailure {
  return new AppFailure(
    appError('BACKBONE_NOT_FOUND', `backbone ${file} does not exist`, {
      file,
      field: BACKBONE_FIELD,
    }),
  )
}

/**
 * True for a weight path that stays inside the model's folder: relative, forward slashes, no
 * empty, `.` or `..` segments, no drive letters or URL schemes.
 */
export function isContainedWeightPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes(':')) return false
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')
}

const BYTES_PER_ELEMENT: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
}

function weightBytes(file: string, spec: tf.io.WeightsManifestEntry): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype
  const bytes = BYTES_PER_ELEMENT[dtype]
  if (bytes === undefined || !Array.isArray(spec.shape))
    throw backboneInvalid(file, `${file}: weight ${spec.name} has an unsupported dtype or shape`)
  return spec.shape.reduce((count, size) => count * size, 1) * bytes
}

export interface LayersModelJson {
  modelTopology: object
  manifest: tf.io.WeightsManifestConfig
}

/** Parses and checks a model.json: a layers model whose weight paths stay in its folder. */
export function parseLayersModelJson(file: string, text: string): LayersModelJson {
  let json: Partial<tf.io.ModelJSON>
  try {
    json = JSON.parse(text) as Partial<tf.io.ModelJSON>
  } catch (error) {
    throw backboneInvalid(file, `${file} is not valid JSON: ${(error as Error).message}`)
  }
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object')
    throw backboneInvalid(file, `${file} has no modelTopology: it is not a TF.js model.json`)
  if (json.format === 'graph-model')
    throw backboneInvalid(
      file,
      `${file} is a TF.js graph model; a backbone must be a layers model (tf.LayersModel.save or tensorflowjs_converter --output_format tfjs_layers_model)`,
    )
  const manifest = json.weightsManifest
  if (
    !Array.isArray(manifest) ||
    !manifest.every((group) => Array.isArray(group?.paths) && Array.isArray(group?.weights))
  )
    throw backboneInvalid(file, `${file} has no valid weightsManifest`)
  for (const path of manifest.flatMap((group) => group.paths))
    if (typeof path !== 'string' || !isContainedWeightPath(path))
      throw backboneInvalid(file, `${file} lists weight file ${String(path)} outside its folder`, {
        path,
      })
  return { modelTopology: json.modelTopology as object, manifest }
}

/** Every weight path of the manifest, in order. */
export function manifestPaths(model: LayersModelJson): string[] {
  return model.manifest.flatMap((group) => group.paths)
}

/** The bytes the manifest's weights take. */
export function manifestBytes(file: string, model: LayersModelJson): number {
  return model.manifest
    .flatMap((group) => group.weights)
    .reduce((sum, spec) => sum + weightBytes(file, spec), 0)
}

async function readWeightFile(modelFile: string, path: string): Promise<Uint8Array> {
  try {
    return await readFile(join(dirname(modelFile), path))
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : 'cannot be read'
    throw backboneInvalid(modelFile, `${modelFile}: weight file ${path} ${reason}`, { path })
  }
}

/** Reads model.json and its weight files, checks every group's size against its manifest. */
async function readLayersModelFiles(file: string) {
  const jsonBytes = await readFile(file)
  const model = parseLayersModelJson(file, jsonBytes.toString('utf8'))
  const hash = createHash('sha256').update(jsonBytes)
  const buffers: Uint8Array[] = []
  for (const group of model.manifest) {
    const parts = []
    for (const path of group.paths) parts.push(await readWeightFile(file, path))
    const actual = parts.reduce((sum, part) => sum + part.byteLength, 0)
    const expected = group.weights.reduce((sum, spec) => sum + weightBytes(file, spec), 0)
    if (actual !== expected)
      throw backboneInvalid(
        file,
        `${file}: weight files ${group.paths.join(', ')} hold ${actual} bytes, the manifest needs ${expected}`,
        { paths: group.paths, bytes: actual, expectedBytes: expected },
      )
    for (const part of parts) hash.update(part)
    buffers.push(...parts)
  }
  const weightData = new Uint8Array(buffers.reduce((sum, part) => sum + part.byteLength, 0))
  let offset = 0
  for (const part of buffers) {
    weightData.set(part, offset)
    offset += part.byteLength
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: model.modelTopology,
    format: 'layers-model',
    weightSpecs: model.manifest.flatMap((group) => group.weights),
    weightData: weightData.buffer,
  }
  return { artifacts, id: hash.digest('hex') }
}

/** Loads a TF.js layers model from model.json on disk; `id` hashes model.json and its weights. */
export async function loadLayersModelFile(
  file: string,
): Promise<{ model: tf.LayersModel; id: string }> {
  const { artifacts, id } = await readLayersModelFiles(file)
  try {
    const model = await tf.loadLayersModel({ load: async () => artifacts }, { strict: true })
    return { model, id }
  } catch (error) {
    throw backboneInvalid(
      file,
      `${file} cannot be built as a layers model: ${(error as Error).message}`,
    )
  }
}

/** sha256 (hex) of a file's bytes. */
export async function fileSha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex')
}
