// The rules every task's training parameters follow: each value read from JSON or a query string
// and held to its shared range, the architecture among those the task trains, and the rules
// between parameters (a backbone means transfer, and transfer needs one). The endpoint, the API
// and the UI's form all check with these, so they refuse the same things for the same reasons.
// Each task brings its own architectures, defaults and extra rules (classification-params.ts,
// detection-params.ts); task-params.ts maps a train type to them.

import { classifyBackbone, type BackboneProblem } from '../backbone-reference'
import { AppFailure, appError } from '../errors'
import {
  BACKBONE_MAX_LENGTH,
  TRAIN_PARAM_RANGES,
  type Architecture,
  type TrainParamEntry,
  type TrainParams,
  type TrainType,
} from '../train-params'

/** One parameter a set of values gets wrong: its TrainParams key (or query name) and why. */
export interface ParamProblem {
  field: string
  message: string
  /** The same said at the field itself, where its name goes without saying (the UI's form). */
  short?: string
  details?: Record<string, unknown>
}

export interface TaskParamRules {
  task: TrainType
  /** What this task trains, first the one it trains by default. */
  architectures: readonly Architecture[]
  /** The plain defaults, before the dataset chooses anything. */
  defaults: TrainParams
  /** The task's own rules on a whole parameter set, after the shared ones. */
  taskProblems?: (params: TrainParams) => ParamProblem[]
}

/** Parameters that mean something to one architecture only: checked and sent only with it. */
export const ARCHITECTURE_ONLY: Partial<Record<keyof TrainParams, Architecture>> = {
  backbone: 'transfer',
  fineTuneLayers: 'transfer',
}

/** Whether a parameter applies to the architecture (most apply to all). */
export function paramApplies(key: keyof TrainParams, architecture: Architecture): boolean {
  const only = ARCHITECTURE_ONLY[key]
  return only === undefined || only === architecture
}

/** Longest value echoed back in a message. */
const ECHO_LIMIT = 80

/** A caller's value made safe to quote: printable ASCII, cut short. */
export function echo(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?')
  return printable.length > ECHO_LIMIT ? `${printable.slice(0, ECHO_LIMIT)}…` : printable
}

function refuse(problem: ParamProblem): AppFailure {
  return new AppFailure(
    appError('INVALID_PARAMETER', problem.message, {
      field: problem.field,
      ...(problem.details && { details: problem.details }),
    }),
  )
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
  if (!entry) throw refuse({ field, message: `unknown parameter "${echo(name)}"` })
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
    throw refuse({
      field,
      message:
        entry.flag === true
          ? `${field} must be true or false, got ${echo(String(raw))}`
          : `${field} must be ${kind} from ${min} to ${max}, got ${echo(String(raw))}`,
      details: { min, max, integer },
    })
  return value
}

/** The architecture, among those the task trains. */
export function checkArchitecture(
  raw: unknown,
  architectures: readonly Architecture[],
  field = 'architecture',
): Architecture {
  if (typeof raw !== 'string' || !(architectures as readonly string[]).includes(raw))
    throw refuse({
      field,
      message: `${field} must be one of ${architectures.join(', ')}`,
      details: { supported: [...architectures] },
    })
  return raw as Architecture
}

/** The transfer backbone: a path or an http(s) URL of a model.json or .h5 file, within the length limit. */
export function checkBackbone(raw: unknown, field = 'backbone'): string {
  const problem = (message: string) =>
    refuse({ field, message: `${field} ${message}`, details: { maxLength: BACKBONE_MAX_LENGTH } })
  if (typeof raw !== 'string')
    throw problem('must be the path or http(s) URL of a model.json or .h5 file')
  const reference = classifyBackbone(raw)
  if (reference.kind !== 'invalid') return raw
  const messages: Record<BackboneProblem, string> = {
    empty: 'must be the path or http(s) URL of a model.json or .h5 file',
    'too-long': `is longer than ${BACKBONE_MAX_LENGTH} characters`,
    'control-characters': 'contains control characters',
    'unsupported-scheme': `must be a path or an http(s) URL, not ${echo(reference.scheme ?? '')}:`,
    'malformed-url': 'is not a valid URL',
  }
  throw problem(messages[reference.problem])
}

/**
 * The rules between parameters, then the task's own: what a whole set gets wrong, in field order.
 * The form shows each next to its field; the endpoint refuses with the first.
 */
export function combinationProblems(params: TrainParams, rules: TaskParamRules): ParamProblem[] {
  const problems: ParamProblem[] = []
  if (!rules.architectures.includes(params.architecture))
    problems.push({
      field: 'architecture',
      message: `architecture ${params.architecture} does not train ${rules.task}; use one of ${rules.architectures.join(', ')}`,
      short: `Not for ${rules.task}`,
      details: { supported: [...rules.architectures] },
    })
  if (params.architecture === 'transfer' && params.backbone === undefined)
    problems.push({
      field: 'backbone',
      message: 'architecture transfer needs a backbone (a path or URL)',
    })
  if (!paramApplies('backbone', params.architecture) && params.backbone !== undefined)
    problems.push({ field: 'backbone', message: 'backbone only applies to architecture transfer' })
  if (!paramApplies('fineTuneLayers', params.architecture) && (params.fineTuneLayers ?? 0) > 0)
    problems.push({
      field: 'fineTuneLayers',
      message: 'fineTuneLayers only applies to architecture transfer',
    })
  return [...problems, ...(rules.taskProblems?.(params) ?? [])]
}

/** Names the parameters a caller may set, for an unknown one's message. */
function knownParamNames(): string[] {
  return [...Object.values(TRAIN_PARAM_RANGES).map((e) => e.key), 'architecture', 'backbone']
}

/**
 * The task's defaults with the given parameters (TrainParams keys) on top, each given value
 * checked, then the set as a whole; also which were given. Throws INVALID_PARAMETER with the field.
 */
export function resolveParams(
  rules: TaskParamRules,
  given: Record<string, unknown> | undefined,
): { params: TrainParams; given: (keyof TrainParams)[] } {
  const params: TrainParams = { ...rules.defaults }
  const set = new Set<keyof TrainParams>()
  for (const [name, raw] of Object.entries(given ?? {})) {
    if (raw === undefined) continue
    if (name === 'architecture') {
      params.architecture = checkArchitecture(raw, rules.architectures)
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
      throw refuse({
        field: name,
        message: `unknown parameter "${echo(name)}"`,
        details: { known: knownParamNames() },
      })
    const value = checkNumericParam(name, raw)
    ;(params as unknown as Record<string, unknown>)[entry.key] =
      entry.flag === true ? value === 1 : value
    set.add(entry.key)
  }
  // A backbone alone says what is meant: transfer learning.
  if (params.backbone !== undefined && !set.has('architecture')) params.architecture = 'transfer'
  const [first] = combinationProblems(params, rules)
  if (first) throw refuse(first)
  return { params, given: [...set] }
}
