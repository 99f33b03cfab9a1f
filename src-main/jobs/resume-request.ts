// Checks a request to continue an interrupted job (`resume=<job id>`) before anything runs: the
// job exists, is the same client's, has ended, and left a checkpoint; parameters the request
// gives must be the checkpoint's. The new job trains with the checkpoint's parameters. Every
// refusal is RESUME_NOT_POSSIBLE with the reason in details.reason.

import { AppFailure, appError } from '../../src-shared/errors'
import { isTerminal, type JobSummary } from '../../src-shared/job-events'
import type { TrainParams } from '../../src-shared/train-params'
import { checkpointOf } from './job-checkpoints'
import type { JobInit } from './job'
import { JOB_ID_PATTERN } from './run-history'
import type { TrainRequest } from './train-request'

/** The id a request names in `resume`, or undefined when it names none. */
export function resumeId(raw: unknown): string | undefined {
  if (raw === undefined) return undefined
  if (typeof raw !== 'string' || !JOB_ID_PATTERN.test(raw))
    throw new AppFailure(
      appError('INVALID_PARAMETER', 'resume must be the id of an interrupted job', {
        field: 'resume',
      }),
    )
  return raw
}

function refuse(reason: string, message: string, details: Record<string, unknown> = {}) {
  return new AppFailure(
    appError('RESUME_NOT_POSSIBLE', message, { field: 'resume', details: { reason, ...details } }),
  )
}

/** What the resumed job starts with (its id still to be given). */
export function resumeInit(
  request: TrainRequest,
  id: string,
  source: JobSummary | undefined,
  home: string,
): Omit<JobInit, 'id'> {
  if (!source) throw refuse('unknown-job', `there is no job ${id}`)
  if (source.client !== request.client)
    throw refuse('other-client', `job ${id} belongs to another client`)
  if (!isTerminal(source.state)) throw refuse('still-running', `job ${id} has not ended yet`)
  if (source.trainType !== request.trainType)
    throw refuse('params-differ', `job ${id} trained ${source.trainType}`, { field: 'train_type' })
  const checkpoint = checkpointOf(home, id)
  if (!checkpoint)
    throw refuse(
      'no-checkpoint',
      `job ${id} left no checkpoint (it finished, was resumed already, or stopped before its first epoch ended)`,
    )
  const saved = checkpoint.params as unknown as Record<string, unknown>
  const asked = request.params as unknown as Record<string, unknown>
  const differ = request.given.filter((key) => asked[key] !== saved[key])
  if (differ.length > 0)
    throw refuse(
      'params-differ',
      `a resumed run keeps its parameters; ${differ.join(', ')} differ from job ${id}'s`,
      { params: differ },
    )
  return {
    client: request.client,
    trainType: request.trainType,
    // A checkpoint written before params carried their task is of this task (checked above).
    params: { ...checkpoint.params, task: checkpoint.params.task ?? request.trainType },
    // Every parameter is fixed: nothing may follow from the dataset again.
    given: Object.keys(checkpoint.params) as (keyof TrainParams)[],
    resumeOf: id,
    ...(request.promote !== undefined && { promote: request.promote }),
  }
}
