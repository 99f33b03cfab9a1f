// Checks what a caller asks to train (client name, train type, parameters) before anything touches
// S3 or the file system. The endpoint's query string and the API's JSON body both end up here, so
// both refuse the same things with the same codes: INVALID_CLIENT_NAME, INVALID_TRAIN_TYPE,
// NOT_IMPLEMENTED and INVALID_PARAMETER. The parameters follow their task's rules in
// src-shared/tasks, which the UI's form checks with too.

import { clientNameProblem } from '../../src-shared/client-names'
import { AppFailure, appError } from '../../src-shared/errors'
import { paramRulesOf } from '../../src-shared/tasks/task-params'
import { echo, resolveParams } from '../../src-shared/tasks/train-param-rules'
import {
  IMPLEMENTED_TRAIN_TYPES,
  PROMOTE_POLICIES,
  TRAIN_TYPES,
  type PromotePolicy,
  type TrainParams,
  type TrainType,
} from '../../src-shared/train-params'

export interface TrainRequest {
  client: string
  trainType: TrainType
  params: TrainParams
  /** The parameters the caller set; the rest may still follow from the dataset. */
  given: (keyof TrainParams)[]
  /** Set only when the caller gave it. */
  promote?: PromotePolicy
}

export function checkClientName(value: unknown, prefix: string, field = 'client'): string {
  if (typeof value !== 'string')
    throw new AppFailure(appError('INVALID_CLIENT_NAME', `${field} is required`, { field }))
  const problem = clientNameProblem(value, prefix)
  if (problem !== undefined)
    throw new AppFailure(
      appError('INVALID_CLIENT_NAME', `${field} "${echo(value)}" ${problem}`, { field }),
    )
  return value
}

export function checkTrainType(value: unknown, field = 'trainType'): TrainType {
  const supported = [...IMPLEMENTED_TRAIN_TYPES]
  if (typeof value !== 'string' || !(TRAIN_TYPES as readonly string[]).includes(value))
    throw new AppFailure(
      appError(
        'INVALID_TRAIN_TYPE',
        value === undefined || value === ''
          ? `${field} is required; supported: ${supported.join(', ')}`
          : `${field} "${echo(String(value))}" is not a train type; supported: ${supported.join(', ')}`,
        { field, details: { supported, known: [...TRAIN_TYPES] } },
      ),
    )
  const trainType = value as TrainType
  if (!IMPLEMENTED_TRAIN_TYPES.includes(trainType))
    throw new AppFailure(
      appError('NOT_IMPLEMENTED', `${field} "${trainType}" is not implemented yet`, {
        field,
        details: { supported },
      }),
    )
  return trainType
}

/** The request option `promote`: auto (the default), always or never. */
export function checkPromotePolicy(raw: unknown, field = 'promote'): PromotePolicy {
  if (typeof raw !== 'string' || !(PROMOTE_POLICIES as readonly string[]).includes(raw))
    throw new AppFailure(
      appError('INVALID_PARAMETER', `${field} must be one of ${PROMOTE_POLICIES.join(', ')}`, {
        field,
        details: { supported: [...PROMOTE_POLICIES] },
      }),
    )
  return raw as PromotePolicy
}

/**
 * The task's defaults with the given parameters (TrainParams keys) on top, checked by the task's
 * shared rules (the same the UI's form applies), and which were given.
 */
export function resolveGivenParams(
  given: Record<string, unknown> | undefined,
  trainType: TrainType = 'classification',
): { params: TrainParams; given: (keyof TrainParams)[] } {
  return resolveParams(paramRulesOf(trainType), given)
}

/** Defaults with the given parameters (TrainParams keys) on top; every given value is checked. */
export function resolveTrainParams(
  given: Record<string, unknown> | undefined,
  trainType: TrainType = 'classification',
): TrainParams {
  return resolveGivenParams(given, trainType).params
}

export function resolveTrainRequest(
  request: { client?: unknown; trainType?: unknown; params?: unknown; promote?: unknown },
  prefix: string,
): TrainRequest {
  const client = checkClientName(request.client, prefix)
  const trainType = checkTrainType(request.trainType)
  if (
    request.params !== undefined &&
    (typeof request.params !== 'object' || request.params === null)
  )
    throw new AppFailure(
      appError('INVALID_PARAMETER', 'params must be an object', { field: 'params' }),
    )
  const resolved = resolveGivenParams(
    request.params as Record<string, unknown> | undefined,
    trainType,
  )
  const promote = request.promote === undefined ? undefined : checkPromotePolicy(request.promote)
  return { client, trainType, ...resolved, ...(promote !== undefined && { promote }) }
}
