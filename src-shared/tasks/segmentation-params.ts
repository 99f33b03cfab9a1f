// Instance segmentation's parameter rules: the detector with its mask prototypes, trained from
// scratch (the prototypes are read at the detector's stride-4 map, which a transfer backbone does
// not give), and the same input rule as detection: a multiple of 16, so the maps line up with it.

import type { TrainParams } from '../train-params'
import { DEFAULT_DETECTION_PARAMS, DETECTION_SIZE_MULTIPLE } from './detection-params'
import type { ParamProblem, TaskParamRules } from './train-param-rules'

/**
 * Plain defaults before the dataset chooses: the detector's, as masks are learnt on its features
 * and need at least as many epochs to settle.
 */
export const DEFAULT_SEGMENTATION_PARAMS: TrainParams = { ...DEFAULT_DETECTION_PARAMS }

function segmentationProblems(params: TrainParams): ParamProblem[] {
  if (params.imageSize % DETECTION_SIZE_MULTIPLE === 0) return []
  return [
    {
      field: 'imageSize',
      message: `imageSize must be a multiple of ${DETECTION_SIZE_MULTIPLE} for instance_segmentation, got ${params.imageSize}`,
      short: `A multiple of ${DETECTION_SIZE_MULTIPLE}`,
      details: { multipleOf: DETECTION_SIZE_MULTIPLE },
    },
  ]
}

export const SEGMENTATION_PARAM_RULES: TaskParamRules = {
  task: 'instance_segmentation',
  architectures: ['centernet'],
  defaults: DEFAULT_SEGMENTATION_PARAMS,
  taskProblems: segmentationProblems,
}
