// The PyTorch side of the detection benchmark: runs bench/detection_torch.py (Debian's
// python3-torch) on the same scene folders, recipe and threads, then decodes and scores the raw
// outputs it wrote exactly as the engine's are (detection-evaluate.ts).

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CocoEvalReport } from '../src-shared/coco-eval-report'
import type { DetectionMaps } from '../src-shared/tasks/detection-output'
import { decodeAll, readMapsFile, scoreDetections, type SceneSet } from './detection-evaluate'

export const PEER_PYTHON = '/usr/bin/python3'
export const PEER_SCRIPT = join(import.meta.dirname, 'detection_torch.py')

/** Whether Debian's torch can be imported (the peer cannot run without it). */
export function peerAvailable(): boolean {
  if (!existsSync(PEER_PYTHON)) return false
  return spawnSync(PEER_PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0
}

export interface PeerRecipe {
  threads: number
  epochs: number
  batchSize: number
  learningRate: number
  augment: boolean
  seed: number
  /** Keras' convention (share of the running statistics kept per step); the script's 0.9 when absent. */
  bnMomentum?: number
}

export interface PeerLine {
  peer: 'pytorch'
  version: string
  threads: number
  epochs: number
  /** Keras' convention, as trained. */
  bn_momentum: number
  /** Trainable weights. */
  parameters: number
  train_images: number
  train_s: number
  images_per_s: number
  test_images: number
  rows: number
  cols: number
  classes: number
  stride: number
  image_ids: number[]
}

export interface PeerRun {
  line: PeerLine
  /** Raw outputs per held-out image, in the set's item order. */
  maps: DetectionMaps[]
  report: CocoEvalReport
}

/** Runs a peer script with `args` and returns the JSON line it ends with; throws when it fails. */
export function runPeerScript<Line extends PeerLine>(args: readonly string[]): Line {
  const result = spawnSync(PEER_PYTHON, args, {
    encoding: 'utf8',
    // Its per-epoch losses and any error go straight to our stderr.
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  })
  const text = result.stdout.split('\n').find((line) => line.startsWith('{"peer"'))
  if (result.status !== 0 || text === undefined)
    throw new Error(`the PyTorch peer failed (exit ${result.status})`)
  return JSON.parse(text) as Line
}

/** The peer's per-image outputs (in its `image_ids` order) rearranged into `test`'s item order. */
export function inItemOrder<T>(test: SceneSet, line: PeerLine, outputs: readonly T[]): T[] {
  const at = new Map(line.image_ids.map((id, n) => [id, n]))
  return test.items.map((item) => {
    const n = at.get(item.imageId)
    if (n === undefined) throw new Error(`the peer gave no outputs for image ${item.imageId}`)
    return outputs[n] as T
  })
}

/** Trains the peer on `train`, scores it on `test`; throws when the script fails. */
export async function runPeer(
  train: SceneSet,
  test: SceneSet,
  recipe: PeerRecipe,
): Promise<PeerRun> {
  const folder = await mkdtemp(join(tmpdir(), 'detection-peer-'))
  try {
    const mapsFile = join(folder, 'maps.f32')
    const args = [
      PEER_SCRIPT,
      ...['--train', train.root, '--test', test.root, '--maps-out', mapsFile],
      ...['--threads', String(recipe.threads), '--epochs', String(recipe.epochs)],
      ...['--batch-size', String(recipe.batchSize), '--learning-rate', String(recipe.learningRate)],
      ...['--seed', String(recipe.seed)],
      ...(recipe.augment ? ['--augment'] : []),
      ...(recipe.bnMomentum !== undefined ? ['--bn-momentum', String(recipe.bnMomentum)] : []),
    ]
    const line = runPeerScript<PeerLine>(args)
    const maps = await readMapsFile(mapsFile, { ...line, images: line.test_images })
    const ordered = inItemOrder(test, line, maps)
    return { line, maps: ordered, report: scoreDetections(test, decodeAll(ordered)) }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}
