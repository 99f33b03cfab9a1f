// A backbone's files on disk: the errors that name them, the checks on a TF.js layers model's
// model.json and weight manifest (which weight paths it may name, their sizes, quickly without
// reading them), and loading that model from disk (tfjs has no file:// handler in Node without
// tfjs-node, so the files are read here and handed over in memory).

import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../src-shared/errors'

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

/**
 * The error with `local` (a file or folder on this machine the caller resolved) named as the
 * user gave it instead, so messages do not show folders of the machine, such as the home folder.
 */
export function relabelled(error: unknown, local: string, shown: string): unknown {
  if (!(error instanceof AppFailure) || local === shown) return error
  const { message, file } = error.error
  return new AppFailure({
    ...error.error,
    message: message.replaceAll(local, shown),
    ...(file !== undefined && { file: file.replaceAll(local, shown) }),
  })
}

/** BACKBONE_INVALID about one place in model.json, named by its JSON path. */
function backboneInvalidAt(
  file: string,
  path: string,
  message: string,
  details?: Record<string, unknown>,
): AppFailure {
  return new AppFailure(
    appError('BACKBONE_INVALID', message, { file, field: BACKBONE_FIELD, path, details }),
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

/** The folder a model.json lives in, as a URL path, for checking where weight paths resolve. */
const SYNTHETIC_MODEL_URL = 'http://backbone.invalid/model/model.json'

/**
 * True for a weight path that names a file in the model's own folder exactly as written: no
 * control characters, backslashes, schemes, `//host`, empty, `.` or `..` segments, and nothing
 * the URL parser would change (tabs and newlines it drops, `%2e%2e`, `?`, `#`, characters it
 * escapes). Checked against `modelUrl` when the model was fetched from there.
 */
export function isContainedWeightPath(path: string, modelUrl = SYNTHETIC_MODEL_URL): boolean {
  const control = [...path].some((char) => char < ' ' || char === '\x7f')
  if (path === '' || control || /[\\:]/.test(path) || path.startsWith('/')) return false
  if (!path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..'))
    return false
  const base = new URL(modelUrl)
  let resolved: URL
  try {
    resolved = new URL(path, base)
  } catch {
    return false
  }
  const folder = base.pathname.slice(0, base.pathname.lastIndexOf('/') + 1)
  return (
    resolved.origin === base.origin &&
    resolved.pathname === folder + path &&
    resolved.search === '' &&
    resolved.hash === ''
  )
}

/** True when `path` (already a contained weight path) resolves to a file inside `folder`. */
export function staysInFolder(folder: string, path: string): boolean {
  const inside = relative(resolve(folder), resolve(folder, path))
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside)
}

const BYTES_PER_ELEMENT: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
}

function weightBytes(file: string, spec: tf.io.WeightsManifestEntry, where: string): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype
  const bytes = BYTES_PER_ELEMENT[dtype]
  if (
    bytes === undefined ||
    !Array.isArray(spec.shape) ||
    !spec.shape.every((size) => Number.isInteger(size) && size >= 0)
  )
    throw backboneInvalidAt(file, where, `${file}: ${where} has an unsupported dtype or shape`)
  return spec.shape.reduce((count, size) => count * size, 1) * bytes
}

/** The bytes one manifest group's weights take. */
function groupBytes(file: string, model: LayersModelJson, group: number): number {
  return (model.manifest[group]?.weights ?? []).reduce(
    (sum, spec, index) =>
      sum + weightBytes(file, spec, `$.weightsManifest[${group}].weights[${index}]`),
    0,
  )
}

export interface LayersModelJson {
  modelTopology: object
  manifest: tf.io.WeightsManifestConfig
}

/**
 * Parses and checks a model.json: a layers model whose weight paths name files in its folder.
 * `modelUrl` is where it was fetched from, when it was. Messages never quote the file's bytes: it
 * may be an error page or some other file, so they say what was expected and where (a JSON path).
 */
export function parseLayersModelJson(
  file: string,
  text: string,
  modelUrl?: string,
): LayersModelJson {
  let json: Partial<tf.io.ModelJSON>
  try {
    json = JSON.parse(text) as Partial<tf.io.ModelJSON>
  } catch {
    throw backboneInvalid(
      file,
      `${file} is not valid JSON (${Buffer.byteLength(text)} bytes): a TF.js model.json was expected`,
    )
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
    throw backboneInvalidAt(file, '$.weightsManifest', `${file} has no valid weightsManifest`)
  manifest.forEach((group, g) =>
    group.paths.forEach((path: unknown, p) => {
      if (typeof path !== 'string' || !isContainedWeightPath(path, modelUrl))
        throw weightPathRefused(file, `$.weightsManifest[${g}].paths[${p}]`)
    }),
  )
  return { modelTopology: json.modelTopology as object, manifest }
}

function weightPathRefused(file: string, where: string): AppFailure {
  return backboneInvalidAt(
    file,
    where,
    `${file}: ${where} names a weight file outside its folder, or one a URL would not reach as ` +
      'written (weight paths must be plain relative names such as group1-shard1of1.bin)',
  )
}

/** Every weight path of the manifest, in order. */
export function manifestPaths(model: LayersModelJson): string[] {
  return model.manifest.flatMap((group) => group.paths)
}

/** The bytes the manifest's weights take. */
export function manifestBytes(file: string, model: LayersModelJson): number {
  return model.manifest.reduce((sum, _group, index) => sum + groupBytes(file, model, index), 0)
}

/** Each group's weight files on disk, named by their JSON path for errors. */
function groupFiles(file: string, model: LayersModelJson): { where: string; path: string }[][] {
  const folder = dirname(file)
  return model.manifest.map((group, g) =>
    group.paths.map((path, p) => {
      const where = `$.weightsManifest[${g}].paths[${p}]`
      if (!staysInFolder(folder, path)) throw weightPathRefused(file, where)
      return { where, path: join(folder, path) }
    }),
  )
}

function weightFileProblem(file: string, where: string, error: unknown): AppFailure {
  const reason =
    (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : 'cannot be read'
  return backboneInvalidAt(file, where, `${file}: the weight file named at ${where} ${reason}`)
}

function sizeMismatch(file: string, group: number, actual: number, expected: number): AppFailure {
  const where = `$.weightsManifest[${group}]`
  return backboneInvalidAt(
    file,
    where,
    `${file}: the weight files of ${where} hold ${actual} bytes, the manifest needs ${expected}`,
    { bytes: actual, expectedBytes: expected },
  )
}

/**
 * Checks model.json and that every weight file exists with the size its manifest needs, without
 * reading the weights: cheap enough to run before a job syncs its dataset.
 */
export async function checkLayersModelFiles(file: string): Promise<void> {
  const model = parseLayersModelJson(file, await readFile(file, 'utf8'))
  const groups = groupFiles(file, model)
  for (const [g, parts] of groups.entries()) {
    let actual = 0
    for (const { where, path } of parts) {
      const info = await stat(path).catch((error: unknown) => {
        throw weightFileProblem(file, where, error)
      })
      if (!info.isFile()) throw weightFileProblem(file, where, { code: 'ENOENT' })
      actual += info.size
    }
    const expected = groupBytes(file, model, g)
    if (actual !== expected) throw sizeMismatch(file, g, actual, expected)
  }
}

/** Reads model.json and its weight files, checks every group's size against its manifest. */
async function readLayersModelFiles(file: string) {
  const jsonBytes = await readFile(file)
  const model = parseLayersModelJson(file, jsonBytes.toString('utf8'))
  const hash = createHash('sha256').update(jsonBytes)
  const buffers: Uint8Array[] = []
  for (const [g, files] of groupFiles(file, model).entries()) {
    const parts: Uint8Array[] = []
    for (const { where, path } of files)
      parts.push(
        await readFile(path).catch((error: unknown) => {
          throw weightFileProblem(file, where, error)
        }),
      )
    const actual = parts.reduce((sum, part) => sum + part.byteLength, 0)
    const expected = groupBytes(file, model, g)
    if (actual !== expected) throw sizeMismatch(file, g, actual, expected)
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
    // tfjs quotes the topology (layer names, class names) in its messages: say what kind of
    // problem it is without repeating the file's contents.
    const unknownLayer = /^Unknown (layer|initializer|regularizer|constraint|activation)/.exec(
      (error as Error).message,
    )?.[1]
    throw backboneInvalid(
      file,
      unknownLayer === undefined
        ? `${file} cannot be built as a TF.js layers model from its modelTopology and weights`
        : `${file} uses a ${unknownLayer} that tfjs does not know; a backbone must use standard layers`,
    )
  }
}

/** sha256 (hex) of a file's bytes. */
export async function fileSha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex')
}
