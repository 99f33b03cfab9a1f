// The one map from a kind of model (TrainType) to the module that trains it, reads its output
// and picks its dataset defaults. The training worker and the predictor look their task up here
// and name none themselves; a task without an entry is not trained or tried yet, and
// the request layer answers NOT_IMPLEMENTED before anything reaches the engine. A task whose
// run differs from the classifier's in every step (detection: boxes, its own split, COCOeval)
// brings that whole run instead of the classifier-shaped parts.

import type { TrainParams, TrainType } from '../../../src-shared/train-params'
import { datasetTrainDefaults } from './classification/defaults'
import { classificationDecoder } from './classification/decoder'
import { trainClassifier } from './classification/train-classifier'
import { fineTuneEpochs, trainTransfer } from './classification/train-transfer'
import { detectionDecoder } from './detection/decoder'
import type { PredictionDecoder } from './prediction-decoder'
import { detectionTrainDefaults, type DetectionDatasetFacts } from './detection/defaults'
import { runDetectionTraining } from '../worker/detection-training'
import type { TrainingEnvironment } from '../worker/object-run'
import { runSegmentationTraining } from '../worker/segmentation-training'
import { segmentationDecoder } from './segmentation/decoder'
import { segmentationTrainDefaults } from './segmentation/defaults'
import type { DetectionTrainingMessage, TrainingRequest } from '../worker/training-protocol'

/** A task's whole run in the training worker, once the backend is up. */
export type TrainingRun = (
  request: TrainingRequest,
  post: (message: DetectionTrainingMessage) => void,
  env: TrainingEnvironment,
) => Promise<void>

export interface TaskModule {
  /**
   * Classifier-shaped parts the worker's own run drives (decode, split, loop, export), for tasks
   * trained that way.
   */
  train?: {
    /** A model trained from random weights, in one run or resumed from a checkpoint. */
    fromScratch: typeof trainClassifier
    /** A head trained on a pretrained backbone's embeddings, then fine-tuned. */
    transfer: typeof trainTransfer
    /** The epochs a transfer run adds after the head's, to show the whole run's progress. */
    fineTuneEpochs: typeof fineTuneEpochs
  }
  /** The whole run, for a task that differs from the classifier's in every step. */
  runTraining?: TrainingRun
  decoder: PredictionDecoder
  /** The parameters the dataset chooses when the caller leaves them unset. */
  defaults: (facts: DetectionDatasetFacts) => Partial<TrainParams>
}

const TASKS: Partial<Record<TrainType, TaskModule>> = {
  classification: {
    train: { fromScratch: trainClassifier, transfer: trainTransfer, fineTuneEpochs },
    decoder: classificationDecoder,
    defaults: datasetTrainDefaults,
  },
  obj_detection: {
    runTraining: runDetectionTraining,
    decoder: detectionDecoder,
    defaults: detectionTrainDefaults,
  },
  // The detector with mask heads: its own input side (masks need prototype cells) and recipe.
  instance_segmentation: {
    runTraining: runSegmentationTraining,
    decoder: segmentationDecoder,
    defaults: segmentationTrainDefaults,
  },
}

/** The module of a task, or undefined while that task is not implemented. */
export function taskModule(task: TrainType): TaskModule | undefined {
  return TASKS[task]
}

/** How the outputs of a task's models are read, or undefined for a task that cannot be tried. */
export function taskDecoder(task: TrainType): PredictionDecoder | undefined {
  return TASKS[task]?.decoder
}
