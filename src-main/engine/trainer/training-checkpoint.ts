// A training run's checkpoint: everything the loop needs to continue after its last finished
// epoch as if it had never stopped. One folder per job holds one tensor file (the model's
// weights, Adam's moments and iteration count, the early-stopping best weights), named by its
// epoch, and `checkpoint.json` naming it; the tensor file is flushed before the manifest replaces
// the old one, so a kill at any moment leaves the previous epoch's checkpoint whole.

import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../src-shared/errors'
import type { EpochMetrics } from '../../../src-shared/job-events'
import type { TrainParams } from '../../../src-shared/train-params'
import { writeFileAtomically, writeJsonAtomically } from '../../platform/atomic-file'
import type { ScheduleState } from './training-schedule'

export const CHECKPOINT_MANIFEST = 'checkpoint.json'
const CHECKPOINT_VERSION = 1

/** The loop's plain state after a finished epoch. */
export interface LoopState {
  /** Epochs finished. */
  epoch: number
  schedule: ScheduleState
  /** States of the seeded streams: epoch order, and augmentation when it is on. */
  orderRandom: number
  augmentRandom?: number
  /** The epoch order as the last shuffle left it (the next shuffle starts from it). */
  order: number[]
  /** Metrics of every finished epoch. */
  epochs: EpochMetrics[]
}

/** A tensor with its name, as optimizers' getWeights gives them. */
export interface NamedTensor {
  name: string
  tensor: tf.Tensor
}

/** The tensors of a checkpoint; the caller owns and disposes them. */
export interface LoopTensors {
  weights: tf.Tensor[]
  optimizer: NamedTensor[]
  /** The early-stopping best weights so far, when early stopping keeps any. */
  best?: tf.Tensor[]
}

export interface CheckpointManifest extends LoopState {
  version: number
  params: TrainParams
  /** What the dataset and split were: a resume against anything else is refused. */
  datasetFingerprint: string
  file: string
  specs: tf.io.WeightsManifestEntry[]
  /** Names of the optimizer's weights in the order setWeights expects them. */
  optimizerNames: string[]
  weightCount: number
  bestCount: number
}

export interface Checkpoint {
  manifest: CheckpointManifest
  tensors: LoopTensors
}

const tensorFile = (epoch: number) => `epoch-${String(epoch).padStart(4, '0')}.bin`

/** Writes the checkpoint of `state.epoch` into `dir`, then removes older tensor files. */
export async function writeCheckpoint(
  dir: string,
  state: LoopState,
  tensors: LoopTensors,
  about: { params: TrainParams; datasetFingerprint: string },
): Promise<void> {
  const named: NamedTensor[] = [
    ...tensors.weights.map((tensor, i) => ({ name: `weights/${i}`, tensor })),
    ...(tensors.best ?? []).map((tensor, i) => ({ name: `best/${i}`, tensor })),
    ...tensors.optimizer.map(({ tensor }, i) => ({ name: `optimizer/${i}`, tensor })),
  ]
  const { data, specs } = await tf.io.encodeWeights(named)
  const file = tensorFile(state.epoch)
  await writeFileAtomically(join(dir, file), new Uint8Array(data))
  const manifest: CheckpointManifest = {
    version: CHECKPOINT_VERSION,
    ...state,
    ...about,
    file,
    specs,
    optimizerNames: tensors.optimizer.map(({ name }) => name),
    weightCount: tensors.weights.length,
    bestCount: tensors.best?.length ?? 0,
  }
  await writeJsonAtomically(join(dir, CHECKPOINT_MANIFEST), manifest)
  const names = await readdir(dir).catch(() => [] as string[])
  await Promise.all(
    names
      .filter((name) => /^epoch-\d+\.bin$/.test(name) && name !== file)
      .map((name) => rm(join(dir, name), { force: true })),
  )
}

/** A manifest's text, checked; undefined when it is not one this version wrote. */
export function parseCheckpointManifest(text: string): CheckpointManifest | undefined {
  try {
    const value = JSON.parse(text) as unknown
    const manifest = value as Partial<CheckpointManifest>
    if (
      typeof value !== 'object' ||
      value === null ||
      manifest.version !== CHECKPOINT_VERSION ||
      typeof manifest.epoch !== 'number' ||
      typeof manifest.file !== 'string' ||
      !/^epoch-\d+\.bin$/.test(manifest.file)
    )
      return undefined
    return manifest as CheckpointManifest
  } catch {
    return undefined
  }
}

/** The manifest of the checkpoint in `dir`, or undefined when there is none (or it is unreadable). */
export async function readCheckpointManifest(dir: string): Promise<CheckpointManifest | undefined> {
  const text = await readFile(join(dir, CHECKPOINT_MANIFEST), 'utf8').catch(() => undefined)
  return text === undefined ? undefined : parseCheckpointManifest(text)
}

/** The whole checkpoint in `dir`, tensors included; CHECKPOINT_UNREADABLE when it is not whole. */
export async function readCheckpoint(dir: string): Promise<Checkpoint> {
  const manifest = await readCheckpointManifest(dir)
  const unreadable = (why: string) =>
    new AppFailure(appError('CHECKPOINT_UNREADABLE', `the checkpoint cannot be used: ${why}`))
  if (!manifest) throw unreadable('no manifest')
  const bytes = await readFile(join(dir, manifest.file)).catch(() => undefined)
  if (!bytes) throw unreadable('its tensor file is missing')
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  let map: tf.NamedTensorMap
  try {
    map = tf.io.decodeWeights(buffer, manifest.specs)
  } catch {
    throw unreadable('its tensor file does not match the manifest')
  }
  const pick = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => {
      const tensor = map[`${prefix}/${i}`]
      if (!tensor) throw unreadable(`${prefix} ${i} is missing`)
      return tensor
    })
  const tensors: LoopTensors = {
    weights: pick('weights', manifest.weightCount),
    optimizer: pick('optimizer', manifest.optimizerNames.length).map((tensor, i) => ({
      name: manifest.optimizerNames[i] ?? `optimizer/${i}`,
      tensor,
    })),
    ...(manifest.bestCount > 0 && { best: pick('best', manifest.bestCount) }),
  }
  return { manifest, tensors }
}

/** Disposes a checkpoint's tensors. */
export function disposeLoopTensors(tensors: LoopTensors): void {
  for (const tensor of [...tensors.weights, ...(tensors.best ?? [])]) tensor.dispose()
  for (const { tensor } of tensors.optimizer) tensor.dispose()
}
