// Checks what a caller asks to train (client name, train type, parameters) before anything touches
// S3 or the file system. The endpoint's query string and the API's JSON body both end up here, so
// both refuse the same things with the same codes: INVALID_CLIENT_NAME, INVALID_TRAIN_TYPE,
// NOT_IMPLEMENTED and INVALID_PARAMETER.

import { classifyBackbone, type BackboneProblem } from '../../src-shared/backbone-reference'
import { clientNameProblem } from '../../src-shared/client-names'
import { AppFailure, appError } from '../../src-shared/errors'
import {
  ARCHITECTURES,
  BACKBONE_MAX_LENGTH,
  DEFAULT_TRAIN_PARAMS,
  IMPLEMENTED_TRAIN_TYPES,
  PROMOTE_POLICIES,
  TRAIN_PARAM_RANGES,
  TRAIN_TYPES,
  type Architecture,
  type PromotePolicy,
  type TrainParamEntry,
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

/** Longest client name echoed back in an error message. */
const ECHO_LIMIT = 80

function echo(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?')
  return printable.length > ECHO_LIMIT ? `${printable.slice(0, ECHO_LIMIT)}…` : printable
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

/** The range of a parameter by its query name (epochs, batch_size, …) or its TrainParams key. */
export function paramRange(name: string): TrainParamEntry | undefined {
  const byQueryName = Object.hasOwn(TRAIN_PARAM_RANGES, name) ? TRAIN_PARAM_RANGES[name] : undefined
  return byQueryName ?? Object.values(TRAIN_PARAM_RANGES).find((entry) => entry.key === name)
}

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i
const FLAG_VALUES = new Map<unknown, number>([
  [true, 1],
  [false, 0],
  ['true', 1],
  ['false', 0],
])

/** One numeric parameter, given as a number (JSON) or as text (query string), checked against its range. */
export function checkNumericParam(name: string, raw: unknown, field = name): number {
  const entry = paramRange(name)
  if (!entry)
    throw new AppFailure(
      appError('INVALID_PARAMETER', `unknown parameter "${echo(name)}"`, { field }),
    )
  const { min, max, integer } = entry.range
  const value =
    entry.flag === true && FLAG_VALUES.has(raw)
      ? (FLAG_VALUES.get(raw) as number)
      : typeof raw === 'number'
        ? raw
        : typeof raw === 'string' && NUMBER_TEXT.test(raw)
          ? Number(raw)
          : NaN
  const kind = integer ? 'an integer' : 'a number'
  if (
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    value < min ||
    value > max
  )
    throw new AppFailure(
      appError(
        'INVALID_PARAMETER',
        entry.flag === true
          ? `${field} must be true or false, got ${echo(String(raw))}`
          : `${field} must be ${kind} from ${min} to ${max}, got ${echo(String(raw))}`,
        { field, details: { min, max, integer } },
      ),
    )
  return value
}

export function checkArchitecture(raw: unknown, field = 'architecture'): Architecture {
  if (typeof raw !== 'string' || !(ARCHITECTURES as readonly string[]).includes(raw))
    throw new AppFailure(
      appError('INVALID_PARAMETER', `${field} must be one of ${ARCHITECTURES.join(', ')}`, {
        field,
        details: { supported: [...ARCHITECTURES] },
      }),
    )
  return raw as Architecture
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

/** A backbone reference: a path, or an http(s) URL; other schemes and control characters are refused. */
export function checkBackbone(raw: unknown, field = 'backbone'): string {
  const refuse = (message: string) =>
    new AppFailure(
      appError('INVALID_PARAMETER', `${field} ${message}`, {
        field,
        details: { maxLength: BACKBONE_MAX_LENGTH },
      }),
    )
  if (typeof raw !== 'string')
    throw refuse('must be the path or http(s) URL of a model.json or .h5 file')
  const reference = classifyBackbone(raw)
  if (reference.kind !== 'invalid') return raw
  const messages: Record<BackboneProblem, string> = {
    empty: 'must be the path or http(s) URL of a model.json or .h5 file',
    'too-long': `is longer than ${BACKBONE_MAX_LENGTH} characters`,
    'control-characters': 'contains control characters',
    'unsupported-scheme': `must be a path or an http(s) URL, not ${echo(reference.scheme ?? '')}:`,
    'malformed-url': 'is not a valid URL',
  }
  throw refuse(messages[reference.problem])
}

/** Rules between parameters: a backbone means transfer learning, and transfer needs one. */
function checkCombination(params: TrainParams, given: Set<keyof TrainParams>): void {
  if (params.backbone !== undefined && !given.has('architecture')) params.architecture = 'transfer'
  const refuse = (field: string, message: string) =>
    new AppFailure(appError('INVALID_PARAMETER', message, { field }))
  if (params.architecture === 'transfer' && params.backbone === undefined)
    throw refuse('backbone', 'architecture transfer needs a backbone (a path or URL)')
  if (params.architecture !== 'transfer' && params.backbone !== undefined)
    throw refuse('backbone', `backbone only applies to architecture transfer`)
  if (params.architecture !== 'transfer' && (params.fineTuneLayers ?? 0) > 0)
    throw refuse('fineTuneLayers', 'fineTuneLayers only applies to architecture transfer')
}

/** Defaults with the given parameters (TrainParams keys) on top, and which were given. */
export function resolveGivenParams(given: Record<string, unknown> | undefined): {
  params: TrainParams
  given: (keyof TrainParams)[]
} {
  const params: TrainParams = { ...DEFAULT_TRAIN_PARAMS }
  const set = new Set<keyof TrainParams>()
  for (const [name, raw] of Object.entries(given ?? {})) {
    if (raw === undefined) continue
    if (name === 'architecture') {
      params.architecture = checkArchitecture(raw)
      set.add('architecture')
      continue
    }
    if (name === 'backbone') {
      params.backbone = checkBackbone(raw)
      set.add('backbone')
      continue
    }
    const entry = paramRange(name)
    if (!entry || entry.key !== name)
      throw new AppFailure(
        appError('INVALID_PARAMETER', `unknown parameter "${echo(name)}"`, {
          field: name,
          details: {
            known: [
              ...Object.values(TRAIN_PARAM_RANGES).map((e) => e.key),
              'architecture',
              'backbone',
            ],
          },
        }),
      )
    const value = checkNumericParam(name, raw)
    ;(params as unknown as Record<string, unknown>)[entry.key] =
      entry.flag === true ? value === 1 : value
    set.add(entry.key)
  }
  checkCombination(params, set)
  return { params, given: [...set] }
}

/** Defaults with the given parameters (TrainParams keys) on top; every given value is checked. */
export function resolveTrainParams(given: Record<string, unknown> | undefined): TrainParams {
  return resolveGivenParams(given).params
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
  const resolved = resolveGivenParams(request.params as Record<string, unknown> | undefined)
  const promote = request.promote === undefined ? undefined : checkPromotePolicy(request.promote)
  return { client, trainType, ...resolved, ...(promote !== undefined && { promote }) }
}
