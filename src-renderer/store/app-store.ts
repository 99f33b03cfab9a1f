// The UI's one store, composed from its slices over one TrainingServerApi transport.

import { createStore, type StoreApi } from 'zustand/vanilla'
import type { TrainingServerApi } from '../../src-shared/bridge'
import { createClientsSlice } from './clients-slice'
import { createDatasetSlice } from './dataset-slice'
import { createNavigationSlice } from './navigation-slice'
import { createRunsSlice } from './runs-slice'
import { createSettingsSlice } from './settings-slice'
import type { AppState } from './store-types'
import { createTrainingSlice } from './training-slice'

export type AppStore = StoreApi<AppState>

export function createAppStore(api: TrainingServerApi): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...createNavigationSlice(set, get, api),
    ...createClientsSlice(set, get, api),
    ...createDatasetSlice(set, get, api),
    ...createTrainingSlice(set, get, api),
    ...createRunsSlice(set, get, api),
    ...createSettingsSlice(set, get, api),
  }))
}
