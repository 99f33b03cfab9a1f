// The training form's values as typed, and their check against the shared ranges before a job is
// requested: the form shows each problem next to its field instead of a server round trip.
// Numbers are text until checked; on/off parameters (flags) and the architecture are kept as is.

import {
  DEFAULT_TRAIN_PARAMS,
  TRAIN_PARAM_RANGES,
  type NumericRange,
  type TrainParams,
} from '../../src-shared/train-params'

type ParamOfType<T> = {
  [K in keyof TrainParams]-?: NonNullable<TrainParams[K]> extends T ? K : never
}[keyof TrainParams]

export type NumericParam = ParamOfType<number>
export type FlagParam = ParamOfType<boolean>

export interface ParamField {
  key: NumericParam
  /** The endpoint's query name, shown as a hint for scripts. */
  queryName: string
  label: string
  range: NumericRange
  step: number
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
}

const STEPS: Record<NumericParam, number> = {
  epochs: 1,
  batchSize: 1,
  learningRate: 0.0001,
  imageSize: 8,
  valSplit: 0.05,
  seed: 1,
  patience: 1,
}

const FLAG_TEXT: Record<FlagParam, { label: string; hint: string }> = {
  augment: {
    label: 'Augment training images',
    hint: 'Random flips, small rotations, crops and light changes; never on validation images',
  },
}

const ENTRIES = Object.entries(TRAIN_PARAM_RANGES)

export const PARAM_FIELDS: ParamField[] = ENTRIES.filter(
  (entry) => !entry[1].flag && entry[1].key !== 'architecture',
).map(([queryName, { key, range }]) => ({
  key: key as NumericParam,
  queryName,
  label: LABELS[key as NumericParam],
  range,
  step: STEPS[key as NumericParam],
}))

export const FLAG_FIELDS: FlagField[] = ENTRIES.filter((entry) => entry[1].flag).map(
  ([queryName, { key }]) => ({ key: key as FlagParam, queryName, ...FLAG_TEXT[key as FlagParam] }),
)

export type ParamsDraft = Record<NumericParam, string> &
  Record<FlagParam, boolean> & {
    architecture: TrainParams['architecture']
  }

export function defaultParamsDraft(): ParamsDraft {
  const draft = { architecture: DEFAULT_TRAIN_PARAMS.architecture } as ParamsDraft
  for (const field of PARAM_FIELDS) draft[field.key] = String(DEFAULT_TRAIN_PARAMS[field.key] ?? '')
  for (const field of FLAG_FIELDS) draft[field.key] = DEFAULT_TRAIN_PARAMS[field.key] ?? false
  return draft
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
  problems: Partial<Record<NumericParam, string>>
  ok: boolean
}

export function checkParamsDraft(draft: ParamsDraft): CheckedParams {
  const params: Partial<TrainParams> = { architecture: draft.architecture }
  const problems: Partial<Record<NumericParam, string>> = {}
  for (const field of PARAM_FIELDS) {
    const problem = rangeProblem(draft[field.key], field.range)
    if (problem) problems[field.key] = problem
    else params[field.key] = Number(draft[field.key])
  }
  for (const field of FLAG_FIELDS) params[field.key] = draft[field.key]
  return { params, problems, ok: Object.keys(problems).length === 0 }
}
