// The selected client's mirrored dataset: its images, classes and validation report, the class
// filter and the image shown in detail, and how far a sync it started has come.

import type { DatasetView } from '../../src-shared/dataset-view'
import { toAppError } from '../../src-shared/errors'
import type { SyncProgress } from '../../src-shared/sync-progress'
import { IDLE, LOADING, READY, type Load, type SliceCreator } from './store-types'

export interface DatasetSlice {
  dataset?: DatasetView
  datasetLoad: Load
  syncing: boolean
  /** The latest step of the sync under way; undefined before its first and after it ends. */
  syncProgress?: SyncProgress
  classFilter?: string
  selectedImage?: string
  resetDataset(): void
  loadDataset(client: string): Promise<void>
  syncDataset(): Promise<void>
  setClassFilter(name: string | undefined): void
  selectImage(file: string | undefined): void
  /** Opens one image on the dataset screen, e.g. from a row of the annotation report. */
  showImage(file: string): void
}

export const createDatasetSlice: SliceCreator<DatasetSlice> = (set, get, api) => ({
  dataset: undefined,
  datasetLoad: IDLE,
  syncing: false,
  syncProgress: undefined,
  classFilter: undefined,
  selectedImage: undefined,

  resetDataset: () =>
    set({
      dataset: undefined,
      datasetLoad: IDLE,
      syncing: false,
      syncProgress: undefined,
      classFilter: undefined,
      selectedImage: undefined,
    }),

  async loadDataset(client) {
    if (get().dataset?.client !== client) set({ datasetLoad: LOADING })
    try {
      const dataset = await api.getDataset(client)
      if (get().selectedClient === client) set({ dataset, datasetLoad: READY })
    } catch (thrown) {
      if (get().selectedClient === client)
        set({ datasetLoad: { status: 'failed', error: toAppError(thrown) } })
    }
  },

  async syncDataset() {
    const client = get().selectedClient
    if (client === undefined || get().syncing) return
    set({ syncing: true, syncProgress: undefined })
    // Observed only while this sync runs; a step that comes after the client changed is dropped.
    const stopProgress = api.onSyncProgress(client, (syncProgress) => {
      if (get().selectedClient === client && get().syncing) set({ syncProgress })
    })
    try {
      const dataset = await api.syncDataset(client)
      if (get().selectedClient === client) set({ dataset, datasetLoad: READY })
      void get().loadClients()
      // A synced dataset is what the server chooses the training parameters from.
      void get().loadTrainDefaults(client)
    } catch (thrown) {
      get().notifyFailure(`Sync of ${client} failed`, thrown)
    } finally {
      stopProgress()
      if (get().selectedClient === client) set({ syncing: false, syncProgress: undefined })
    }
  },

  setClassFilter: (name) => set({ classFilter: name }),
  selectImage: (file) => set({ selectedImage: file }),
  showImage: (file) => set({ selectedImage: file, classFilter: undefined, screen: 'dataset' }),
})
