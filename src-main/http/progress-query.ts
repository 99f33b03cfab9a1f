// The seed's query strings, `/progress?train_type=classification&bucket_name=client0[&epochs=…]`
// and `/interrupt?bucket_name=client0`, and `/retry-upload?bucket_name=client0` beside them.
// Everything is checked here, before any job, bucket or folder is touched: an invalid
// bucket_name never reaches the file system. Each parameter is read by its task's shared rules
// (src-shared/tasks); the job's request check applies the rules between them.

import { AppFailure, appError } from '../../src-shared/errors'
import type { PromotePolicy, TrainParams, TrainType } from '../../src-shared/train-params'
import { TRAIN_PARAM_RANGES } from '../../src-shared/train-params'
import { paramRulesOf } from '../../src-shared/tasks/task-params'
import {
  checkArchitecture,
  checkBackbone,
  checkNumericParam,
} from '../../src-shared/tasks/train-param-rules'
import { checkClientName, checkPromotePolicy, checkTrainType } from '../jobs/train-request'

export interface ProgressQuery {
  trainType: TrainType
  client: string
  /** Only the parameters the query gave; the job fills in the defaults. */
  params: Partial<TrainParams>
  /** false: answer 202 at once instead of streaming. */
  wait: boolean
  /** Set only when the query gave it. */
  promote?: PromotePolicy
  /** The interrupted job to continue from its checkpoint. */
  resume?: string
}

const CONTROL_NAMES = [
  'train_type',
  'bucket_name',
  'wait',
  'architecture',
  'backbone',
  'promote',
  'resume',
]

function single(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name)
  if (values.length > 1)
    throw new AppFailure(
      appError('INVALID_PARAMETER', `${name} is given more than once`, { field: name }),
    )
  return values[0]
}

function rejectUnknown(query: URLSearchParams, allowed: readonly string[]): void {
  for (const name of new Set(query.keys())) {
    if (!allowed.includes(name))
      throw new AppFailure(
        appError('INVALID_PARAMETER', `unknown parameter "${name.slice(0, 60)}"`, {
          field: name.slice(0, 60),
          details: { allowed: [...allowed] },
        }),
      )
  }
}

export function parseProgressQuery(query: URLSearchParams, prefix: string): ProgressQuery {
  const trainType = checkTrainType(single(query, 'train_type') ?? '', 'train_type')
  const client = checkClientName(single(query, 'bucket_name'), prefix, 'bucket_name')
  rejectUnknown(query, [...CONTROL_NAMES, ...Object.keys(TRAIN_PARAM_RANGES)])
  const params: Partial<TrainParams> = {}
  for (const [name, { key }] of Object.entries(TRAIN_PARAM_RANGES)) {
    const raw = single(query, name)
    if (raw === undefined) continue
    ;(params as Record<string, number>)[key] = checkNumericParam(name, raw)
  }
  const architecture = single(query, 'architecture')
  if (architecture !== undefined)
    params.architecture = checkArchitecture(architecture, paramRulesOf(trainType).architectures)
  const backbone = single(query, 'backbone')
  if (backbone !== undefined) params.backbone = checkBackbone(backbone)
  const promote = single(query, 'promote')
  const resume = single(query, 'resume')
  return {
    trainType,
    client,
    params,
    wait: parseWait(single(query, 'wait')),
    ...(promote !== undefined && { promote: checkPromotePolicy(promote) }),
    ...(resume !== undefined && { resume }),
  }
}

/** `/retry-upload?bucket_name=client0[&wait=false][&promote=always]`. */
export function parseRetryQuery(
  query: URLSearchParams,
  prefix: string,
): { client: string; wait: boolean; promote?: PromotePolicy } {
  const client = checkClientName(single(query, 'bucket_name'), prefix, 'bucket_name')
  rejectUnknown(query, ['bucket_name', 'wait', 'promote'])
  const promote = single(query, 'promote')
  return {
    client,
    wait: parseWait(single(query, 'wait')),
    ...(promote !== undefined && { promote: checkPromotePolicy(promote) }),
  }
}

function parseWait(wait: string | undefined): boolean {
  if (wait !== undefined && wait !== 'true' && wait !== 'false')
    throw new AppFailure(
      appError('INVALID_PARAMETER', 'wait must be true or false', { field: 'wait' }),
    )
  return wait !== 'false'
}

export function parseInterruptQuery(query: URLSearchParams, prefix: string): { client: string } {
  const client = checkClientName(single(query, 'bucket_name'), prefix, 'bucket_name')
  rejectUnknown(query, ['bucket_name'])
  return { client }
}
