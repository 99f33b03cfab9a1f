// Object detection's parameter rules: the CenterNet-style detector from scratch or on a transfer
// backbone, plain defaults for when the dataset has not chosen yet, and an input size the network's
// four stride-2 blocks divide exactly (a multiple of 16), so the stride-4 maps line up with it.

import type { TrainParams } from '../train-params'
import type { ParamProblem, TaskParamRules } from './train-param-rules'

/** The detector's input is halved four times on the way down. */
export const DETECTION_SIZE_MULTIPLE = 16

/**
 * Plain defaults before the dataset chooses (the engine's detection defaults refine them from the
 * images and boxes): a detector needs more epochs than a classifier to place boxes, and a larger
 * input so small objects keep a few cells of the stride-4 map.
 */
export const DEFAULT_DETECTION_PARAMS: TrainParams = {
  // The detector's measured recipe (src-main/engine/tasks/detection/defaults.ts says how).
  epochs: 20,
  batchSize: 8,
  learningRate: 3e-3,
  imageSize: 128,
  valSplit: 0.2,
  seed: 42,
  architecture: 'centernet',
  augment: true,
  patience: 8,
}

function detectionProblems(params: TrainParams): ParamProblem[] {
  if (params.imageSize % DETECTION_SIZE_MULTIPLE === 0) return []
  return [
    {
      field: 'imageSize',
      message: `imageSize must be a multiple of ${DETECTION_SIZE_MULTIPLE} for obj_detection, got ${params.imageSize}`,
      short: `A multiple of ${DETECTION_SIZE_MULTIPLE}`,
      details: { multipleOf: DETECTION_SIZE_MULTIPLE },
    },
  ]
}

export const DETECTION_PARAM_RULES: TaskParamRules = {
  task: 'obj_detection',
  architectures: ['centernet', 'transfer'],
  defaults: DEFAULT_DETECTION_PARAMS,
  taskProblems: detectionProblems,
}
