// The shape of the UI's store and the signature every slice is written against.

import type { StoreApi } from 'zustand/vanilla'
import type { TrainingServerApi } from '../../src-shared/bridge'
import type { AppError } from '../../src-shared/errors'
import type { ClientsSlice } from './clients-slice'
import type { DatasetSlice } from './dataset-slice'
import type { NavigationSlice } from './navigation-slice'
import type { RunsSlice } from './runs-slice'
import type { SettingsSlice } from './settings-slice'
import type { TrainingSlice } from './training-slice'

export type AppState = NavigationSlice &
  ClientsSlice &
  DatasetSlice &
  TrainingSlice &
  RunsSlice &
  SettingsSlice

export type SliceCreator<T> = (
  set: StoreApi<AppState>['setState'],
  get: StoreApi<AppState>['getState'],
  api: TrainingServerApi,
) => T

/** Where a request for one piece of data stands. */
export type Load =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready' }
  | { status: 'failed'; error: AppError }

export const IDLE: Load = { status: 'idle' }
export const LOADING: Load = { status: 'loading' }
export const READY: Load = { status: 'ready' }
