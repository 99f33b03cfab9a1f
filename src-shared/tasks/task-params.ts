// Which parameter rules a train type follows. A task not trained yet (instance segmentation) is
// refused before its parameters are read; until it brings its own rules it reads classification's.

import type { TrainType } from '../train-params'
import { CLASSIFICATION_PARAM_RULES } from './classification-params'
import { DETECTION_PARAM_RULES } from './detection-params'
import type { TaskParamRules } from './train-param-rules'

const RULES: Partial<Record<TrainType, TaskParamRules>> = {
  classification: CLASSIFICATION_PARAM_RULES,
  obj_detection: DETECTION_PARAM_RULES,
}

export function paramRulesOf(task: TrainType | undefined): TaskParamRules {
  return (task && RULES[task]) ?? CLASSIFICATION_PARAM_RULES
}
