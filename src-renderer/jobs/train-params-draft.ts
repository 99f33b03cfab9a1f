// The training form's values as typed, and their check against the shared ranges before a job is
// requested: the form shows each problem next to its field instead of a server round trip.
// Numbers are text until checked; on/off parameters (flags) and the architecture are kept as is.
// Parameters of one architecture only (the transfer backbone) are checked and sent only with it.
// The rules between parameters and each task's own (architectures, input size) are the server's,
// from src-shared/tasks, so the form refuses exactly what the request would.
// The form starts from what the server would choose for the client (its dataset-chosen values):
// only what the user changed from that is sent, so the server's choices stand for the rest.

import { paramRulesOf } from '../../src-shared/tasks/task-params'
import { ARCHITECTURE_ONLY, combinationProblems } from '../../src-shared/tasks/train-param-rules'
import {
  TRAIN_PARAM_RANGES,
  type Architecture,
  type NumericRange,
  type TrainParams,
  type TrainType,
} from '../../src-shared/train-params'
import type { ParamSource, TrainDefaultsView } from '../../src-shared/train-defaults'
import { backboneProblem } from './backbone-reference'

type ParamOfType<T> = {
  [K in keyof TrainParams]-?: NonNullable<TrainParams[K]> extends T ? K : never
}[keyof TrainParams]

export type NumericParam = ParamOfType<number>
export type FlagParam = ParamOfType<boolean>
/** Fields whose problems the form can show: the numbers, the backbone and the architecture. */
export type CheckedField = NumericParam | 'backbone' | 'architecture'

export interface ParamField {
  key: NumericParam
  /** The endpoint's query name, shown as a hint for scripts. */
  queryName: string
  label: string
  range: NumericRange
  step: number
  /** Set when the parameter means something to this architecture only. */
  architecture?: Architecture
}

export interface FlagField {
  key: FlagParam
  queryName: string
  label: string
  hint: string
}

const LABELS: Record<NumericParam, string> = {
  epochs: 'Epochs',
  batchSize: 'Batch size',
  learningRate: 'Learning rate',
  imageSize: 'Image size (px)',
  valSplit: 'Validation split',
  seed: 'Random seed',
  patience: 'Patience (epochs)',
  fineTuneLayers: 'Fine-tune last layers',
}

const STEPS: Record<NumericParam, number> = {
  epochs: 1,
  batchSize: 1,
  learningRate: 0.0001,
  imageSize: 8,
  valSplit: 0.05,
  seed: 1,
  patience: 1,
  fineTuneLayers: 1,
}

/** Draft values for numbers without a shared default: the transfer backbone starts frozen. */
const DRAFT_DEFAULTS: Partial<Record<NumericParam, string>> = { fineTuneLayers: '0' }

const FLAG_TEXT: Record<FlagParam, { label: string; hint: string }> = {
  augment: {
    label: 'Augment training images',
    hint: 'Random flips, small rotations, crops and light changes; never on validation images',
  },
}

const ENTRIES = Object.entries(TRAIN_PARAM_RANGES)

export const PARAM_FIELDS: ParamField[] = ENTRIES.filter(
  (entry) => !entry[1].flag && entry[1].key !== 'architecture',
).map(([queryName, { key, range }]) => {
  const param = key as NumericParam
  const architecture = ARCHITECTURE_ONLY[param]
  return {
    key: param,
    queryName,
    label: LABELS[param],
    range,
    step: STEPS[param],
    ...(architecture ? { architecture } : {}),
  }
})

export const FLAG_FIELDS: FlagField[] = ENTRIES.filter((entry) => entry[1].flag).map(
  ([queryName, { key }]) => ({ key: key as FlagParam, queryName, ...FLAG_TEXT[key as FlagParam] }),
)

/** The numeric fields that apply to every architecture. */
export const COMMON_PARAM_FIELDS: ParamField[] = PARAM_FIELDS.filter(
  (field) => field.architecture === undefined,
)

/** The numeric fields that only this architecture uses (shown and sent only with it). */
export function architectureFields(architecture: Architecture): ParamField[] {
  return PARAM_FIELDS.filter((field) => field.architecture === architecture)
}

export type ParamsDraft = Record<NumericParam, string> &
  Record<FlagParam, boolean> & {
    architecture: Architecture
    /** The transfer backbone's path or URL, as typed. */
    backbone: string
  }

export function defaultParamsDraft(task: TrainType = 'classification'): ParamsDraft {
  return draftFromDefaults(undefined, task)
}

/**
 * The draft the server's answer describes; the plain defaults of its train type (or `task` before
 * it answered) for what it leaves out.
 */
export function draftFromDefaults(
  view: TrainDefaultsView | undefined,
  task: TrainType = 'classification',
): ParamsDraft {
  const defaults = paramRulesOf(view?.trainType ?? task).defaults
  const value = <K extends keyof TrainParams>(key: K): TrainParams[K] =>
    (view?.params[key]?.value as TrainParams[K] | undefined) ?? defaults[key]
  const draft = {
    architecture: value('architecture'),
    backbone: value('backbone') ?? '',
  } as ParamsDraft
  for (const field of PARAM_FIELDS)
    draft[field.key] = String(value(field.key) ?? DRAFT_DEFAULTS[field.key] ?? '')
  for (const field of FLAG_FIELDS) draft[field.key] = value(field.key) ?? false
  return draft
}

export type DraftKey = keyof ParamsDraft

function sameValue(a: string | boolean, b: string | boolean): boolean {
  if (a === b) return true
  // "0.003" and "3e-3" are one learning rate: compare typed numbers by value.
  if (typeof a !== 'string' || typeof b !== 'string' || a.trim() === '' || b.trim() === '')
    return false
  return Number(a) === Number(b)
}

/** The fields whose value differs from the server's (the base draft). */
export function changedFields(draft: ParamsDraft, base: ParamsDraft): Set<DraftKey> {
  const changed = new Set<DraftKey>()
  for (const key of Object.keys(draft) as DraftKey[])
    if (!sameValue(draft[key], base[key])) changed.add(key)
  return changed
}

/** Where a field's server value came from; undefined before the server answered. */
export function sourceOf(
  view: TrainDefaultsView | undefined,
  key: DraftKey,
): ParamSource | undefined {
  return view?.params[key]?.source
}

/**
 * The draft moved onto a new server answer: fields the user left alone take the new values, the
 * ones they changed keep theirs.
 */
export function rebaseDraft(draft: ParamsDraft, base: ParamsDraft, next: ParamsDraft): ParamsDraft {
  const changed = changedFields(draft, base)
  const rebased = { ...next }
  for (const key of changed) (rebased as Record<DraftKey, unknown>)[key] = draft[key]
  return rebased
}

export function rangeProblem(raw: string, range: NumericRange): string | undefined {
  if (raw.trim() === '') return 'Enter a value'
  const value = Number(raw)
  if (!Number.isFinite(value)) return 'Enter a number'
  if (range.integer && !Number.isInteger(value)) return 'Enter a whole number'
  if (value < range.min || value > range.max) return `Between ${range.min} and ${range.max}`
  return undefined
}

export interface CheckedParams {
  params: Partial<TrainParams>
  problems: Partial<Record<CheckedField, string>>
  ok: boolean
}

export function checkParamsDraft(
  draft: ParamsDraft,
  task: TrainType = 'classification',
): CheckedParams {
  const params: Partial<TrainParams> = { architecture: draft.architecture }
  const problems: Partial<Record<CheckedField, string>> = {}
  const fields = [...COMMON_PARAM_FIELDS, ...architectureFields(draft.architecture)]
  for (const field of fields) {
    const problem = rangeProblem(draft[field.key], field.range)
    if (problem) problems[field.key] = problem
    else params[field.key] = Number(draft[field.key])
  }
  for (const field of FLAG_FIELDS) params[field.key] = draft[field.key]
  if (draft.architecture === 'transfer') {
    const problem = backboneProblem(draft.backbone)
    if (problem) problems.backbone = problem
    else params.backbone = draft.backbone.trim()
  }
  // The whole set, with the task's defaults standing in for values still wrong at their field.
  const rules = paramRulesOf(task)
  for (const problem of combinationProblems({ ...rules.defaults, ...params }, rules)) {
    const field = problem.field as CheckedField
    if (problems[field] === undefined) problems[field] = problem.short ?? problem.message
  }
  return { params, problems, ok: Object.keys(problems).length === 0 }
}

/**
 * What a start request sends: the checked draft, reduced to the values that differ from the
 * server's own choice, so a job from the form and one from a script agree on the rest.
 */
export function paramsToSend(
  draft: ParamsDraft,
  base: ParamsDraft,
  task: TrainType = 'classification',
): CheckedParams {
  const checked = checkParamsDraft(draft, task)
  const baseline = checkParamsDraft(base, task).params as Record<string, unknown>
  const params: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(checked.params))
    if (baseline[key] !== value) params[key] = value
  return { ...checked, params: params as Partial<TrainParams> }
}
