// Classification's parameter rules: the three classifier architectures, the tuned small-dataset
// defaults, and no rules beyond the shared ones.

import { DEFAULT_TRAIN_PARAMS } from '../train-params'
import type { TaskParamRules } from './train-param-rules'

export const CLASSIFICATION_PARAM_RULES: TaskParamRules = {
  task: 'classification',
  architectures: ['cnn', 'reference', 'transfer'],
  defaults: DEFAULT_TRAIN_PARAMS,
}
