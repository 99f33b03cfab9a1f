// Runs paused after a few epochs for the checkpoint tests: the trainer hooks that write a
// checkpoint after every epoch and stop the run once enough epochs finished, the options that
// resume from it, and the parameters the detector and segmenter resume tests train with.

import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../../src-shared/train-params'
import {
  writeCheckpoint,
  type Checkpoint,
  type LoopState,
  type LoopTensors,
} from '../../../src-main/engine/trainer/training-checkpoint'

/** Four epochs on drawn objects with augmentation and early stopping, both of which carry state. */
export function drawnObjectParams(seed: number): TrainParams {
  return {
    ...DEFAULT_TRAIN_PARAMS,
    architecture: 'centernet',
    imageSize: 32,
    epochs: 4,
    batchSize: 4,
    learningRate: 3e-3,
    augment: true,
    patience: 2,
    seed,
  }
}

/** Trainer options that checkpoint into `dir` after every epoch and stop after `epochs`. */
export function pauseAfter(epochs: number, dir: string, params: TrainParams) {
  let finished = 0
  return {
    callbacks: {
      onEpoch: () => {
        finished++
      },
    },
    onCheckpoint: (state: LoopState, tensors: LoopTensors) =>
      writeCheckpoint(dir, state, tensors, { params, datasetFingerprint: 'x' }),
    shouldStop: () => finished >= epochs,
  }
}

/** Trainer options that resume from a checkpoint read back. */
export function resumeFrom(checkpoint: Checkpoint) {
  return { resume: { state: checkpoint.manifest, tensors: checkpoint.tensors } }
}
