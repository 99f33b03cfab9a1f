// The PyTorch side of the segmentation benchmark: runs bench/segmentation_torch.py (Debian's
// python3-torch) on the same scene folders, recipe and threads, then decodes and scores its raw
// outputs exactly as the engine's are (segmentation-evaluate.ts).

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readMapsFile, type SceneSet } from './detection-evaluate'
import { inItemOrder, runPeerScript, type PeerLine } from './detection-peer'
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
    const line = runPeerScript<SegmentationPeerLine>(args)
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
    const ordered = inItemOrder(test, line, decodeMasked(maps, prototypes, inputSize))
    return { line, evaluation: scoreSegmentations(test, ordered, inputSize) }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}
