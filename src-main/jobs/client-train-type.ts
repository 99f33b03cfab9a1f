// Which train type a client's dataset is for, as far as the server knows without reading it: the
// train type of its last run that finished, else the one a demo client was generated for, else
// classification. The client list shows it and the training form and the dataset check start on it.

import type { JobSummary } from '../../src-shared/job-events'
import type { TrainType } from '../../src-shared/train-params'
import type { Settings } from '../config/settings'
import { demoTrainType } from './demo-clients'

/** `jobs` newest first (the run history's order), of any clients. */
export function clientTrainType(
  settings: Settings,
  client: string,
  jobs: readonly JobSummary[],
): TrainType {
  const finished = jobs.find((job) => job.client === client && job.state === 'done')
  return finished?.trainType ?? demoTrainType(settings, client) ?? 'classification'
}
