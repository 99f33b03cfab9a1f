// What a new job for one client would train with when the caller sets nothing: each parameter's
// value and whether the client's dataset chose it or it is the plain default. The UI's form starts
// from this, so a job started there and one started by a script differ only in what was changed.

import type { TrainParams, TrainType } from './train-params'

/** dataset: the synced, validated dataset chose a value other than the plain default; default: the plain default. */
export type ParamSource = 'dataset' | 'default'

export interface ParamDefault<T> {
  value: T
  source: ParamSource
}

/**
 * dataset: the local copy is synced and valid, so the values are what a job would choose now.
 * not-synced / invalid: plain defaults only, provisional: the job chooses again once it has synced
 * and validated the dataset.
 */
export type TrainDefaultsBasis = 'dataset' | 'not-synced' | 'invalid'

export interface TrainDefaultsView {
  client: string
  trainType: TrainType
  basis: TrainDefaultsBasis
  /** What the choice was made from (basis dataset only). */
  facts?: { images: number; medianSide: number }
  params: { [K in keyof TrainParams]?: ParamDefault<NonNullable<TrainParams[K]>> }
}
