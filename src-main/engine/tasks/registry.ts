// The one map from a kind of model (TrainType) to the module that trains it, reads its output
// and picks its dataset defaults. The training worker and the predictor look their task up here
// and name none themselves; a task without an entry (detection, segmentation) is not trained or
// tried yet, and the request layer answers NOT_IMPLEMENTED before anything reaches the engine.

import type { TrainType } from '../../../src-shared/train-params'
import { datasetTrainDefaults } from './classification/defaults'
import { classificationDecoder } from './classification/decoder'
import { trainClassifier } from './classification/train-classifier'
import { fineTuneEpochs, trainTransfer } from './classification/train-transfer'
import { detectionDecoder } from './detection/decoder'
import type { PredictionDecoder } from './prediction-decoder'

export interface TaskModule {
  train: {
    /** A model trained from random weights, in one run or resumed from a checkpoint. */
    fromScratch: typeof trainClassifier
    /** A head trained on a pretrained backbone's embeddings, then fine-tuned. */
    transfer: typeof trainTransfer
    /** The epochs a transfer run adds after the head's, to show the whole run's progress. */
    fineTuneEpochs: typeof fineTuneEpochs
  }
  decoder: PredictionDecoder
  defaults: typeof datasetTrainDefaults
}

const TASKS: Partial<Record<TrainType, TaskModule>> = {
  classification: {
    train: { fromScratch: trainClassifier, transfer: trainTransfer, fineTuneEpochs },
    decoder: classificationDecoder,
    defaults: datasetTrainDefaults,
  },
}

/** The module of a task, or undefined while that task is not implemented. */
export function taskModule(task: TrainType): TaskModule | undefined {
  return TASKS[task]
}

/**
 * Decoders of tasks whose models can be tried before this registry trains them (a detector stored
 * by another run); a task in TASKS brings its own.
 */
const DECODERS: Partial<Record<TrainType, PredictionDecoder>> = {
  obj_detection: detectionDecoder,
}

/** How the outputs of a task's models are read, or undefined for a task that cannot be tried. */
export function taskDecoder(task: TrainType): PredictionDecoder | undefined {
  return TASKS[task]?.decoder ?? DECODERS[task]
}
