// When a request for a client that already has a job may join that job. Joining is only honest
// when the caller gets what it asked for: the same kind of job (a training run, or a retried
// upload) and, for training, the same train type and the same values for every parameter the
// request gives. Anything else is refused with CLIENT_BUSY naming the running job, so no
// transport (HTTP, IPC) can silently drop a caller's parameters.

import { AppFailure, appError, type AppError } from '../../src-shared/errors'
import type { TrainParams, TrainType } from '../../src-shared/train-params'
import type { Job } from './job'

export type JobKind = 'training' | 'upload'

export function kindOf(job: Job): JobKind {
  return job.retryOf === undefined ? 'training' : 'upload'
}

/** CLIENT_BUSY for a request that cannot join `active`; details say what runs and with what. */
export function clientBusy(active: Job, why: string): AppError {
  return appError(
    'CLIENT_BUSY',
    `client ${active.client} has a job running (${active.id}); ${why}`,
    {
      details: {
        jobId: active.id,
        kind: kindOf(active),
        state: active.state,
        trainType: active.trainType,
        params: active.params,
        given: [...active.given],
        ...(active.retryOf !== undefined && { retryOf: active.retryOf }),
      },
    },
  )
}

/** The parameters the request gives whose values differ from what the running job was asked for. */
function differingParams(
  active: Job,
  params: TrainParams,
  given: readonly (keyof TrainParams)[],
): (keyof TrainParams)[] {
  // A value the running job did not ask for may still be replaced by one chosen for its dataset,
  // so only a value it was given counts as the same.
  return given.filter((key) => !active.given.includes(key) || active.params[key] !== params[key])
}

/**
 * Joins a training request to the client's active job, or throws CLIENT_BUSY when that job is an
 * upload, trains another type, or was given other parameters than the request gives.
 */
export function joinTraining(
  active: Job,
  request: { trainType: TrainType; params: TrainParams; given: readonly (keyof TrainParams)[] },
): { job: Job; joined: true } {
  if (kindOf(active) !== 'training')
    throw new AppFailure(
      clientBusy(active, 'it is uploading a trained model; train once it has ended'),
    )
  if (active.trainType !== request.trainType)
    throw new AppFailure(
      clientBusy(active, `it trains ${active.trainType}, not ${request.trainType}`),
    )
  const differing = differingParams(active, request.params, request.given)
  if (differing.length > 0)
    throw new AppFailure(
      clientBusy(
        active,
        `it was started with other values for ${differing.join(', ')}; interrupt it or wait for it to end`,
      ),
    )
  return { job: active, joined: true }
}
