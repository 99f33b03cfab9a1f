// Which parameter rules a train type follows; a type without its own rules reads classification's.

import type { TrainType } from '../train-params'
import { CLASSIFICATION_PARAM_RULES } from './classification-params'
import { DETECTION_PARAM_RULES } from './detection-params'
import { SEGMENTATION_PARAM_RULES } from './segmentation-params'
import type { TaskParamRules } from './train-param-rules'

const RULES: Partial<Record<TrainType, TaskParamRules>> = {
  classification: CLASSIFICATION_PARAM_RULES,
  obj_detection: DETECTION_PARAM_RULES,
  instance_segmentation: SEGMENTATION_PARAM_RULES,
}

export function paramRulesOf(task: TrainType | undefined): TaskParamRules {
  return (task && RULES[task]) ?? CLASSIFICATION_PARAM_RULES
}
