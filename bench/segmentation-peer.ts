// The PyTorch side of the segmentation benchmark: runs bench/segmentation_torch.py (Debian's
// python3-torch) on the same scene folders, recipe and threads, then decodes and scores its raw
// outputs exactly as the engine's are (segmentation-evaluate.ts).

import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readMapsFile, type SceneSet } from './detection-evaluate'
import { PEER_PYTHON, type PeerLine } from './detection-peer'
import { decodeMasked, readPrototypeFile, scoreSegmentations } from './segmentation-evaluate'

const PEER_SCRIPT = join(import.meta.dirname, 'segmentation_torch.py')

export type SegmentationPeerLine = PeerLine & {
  proto_rows: number
  proto_cols: number
  prototypes: number
}

/** Trains the PyTorch peer and scores its held-out outputs as ours are scored. */
export async function runSegmentationPeer(
  train: SceneSet,
  test: SceneSet,
  recipe: { threads: number; epochs: number; batchSize: number; learningRate: number },
  seed: number,
  inputSize: number,
) {
  const folder = await mkdtemp(join(tmpdir(), 'segmentation-peer-'))
  try {
    const mapsFile = join(folder, 'maps.f32')
    const prototypesFile = join(folder, 'prototypes.f32')
    const args = [
      PEER_SCRIPT,
      ...['--train', train.root, '--test', test.root],
      ...['--maps-out', mapsFile, '--prototypes-out', prototypesFile],
      ...['--threads', String(recipe.threads), '--epochs', String(recipe.epochs)],
      ...['--batch-size', String(recipe.batchSize), '--learning-rate', String(recipe.learningRate)],
      ...['--seed', String(seed)],
    ]
    const result = spawnSync(PEER_PYTHON, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 * 1024 * 1024,
    })
    const text = result.stdout.split('\n').find((line) => line.startsWith('{"peer"'))
    if (result.status !== 0 || text === undefined)
      throw new Error(`the PyTorch peer failed (exit ${result.status})`)
    const line = JSON.parse(text) as SegmentationPeerLine
    const images = line.test_images
    const maps = await readMapsFile(mapsFile, { ...line, images })
    const prototypes = await readPrototypeFile(prototypesFile, {
      images,
      rows: line.rows,
      cols: line.cols,
      protoRows: line.proto_rows,
      protoCols: line.proto_cols,
      prototypes: line.prototypes,
      inputSize,
    })
    const masked = decodeMasked(maps, prototypes, inputSize)
    const at = new Map(line.image_ids.map((id, n) => [id, n]))
    const ordered = test.items.map((item) => {
      const n = at.get(item.imageId)
      if (n === undefined) throw new Error(`the peer gave no outputs for image ${item.imageId}`)
      return masked[n] ?? []
    })
    return { line, evaluation: scoreSegmentations(test, ordered, inputSize) }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}
