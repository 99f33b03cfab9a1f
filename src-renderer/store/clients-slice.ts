// The clients (dataset buckets) the core knows, the endpoint's health, and the selected client.
// Selecting a client loads everything the other screens show about it, and sets the training
// form on the train type the client's dataset is for.

import type { FleetWorkersResponse } from '../../src-shared/fleet-workers'
import type { ClientSummary, HealthResponse } from '../../src-shared/http-api'
import { toAppError } from '../../src-shared/errors'
import { IMPLEMENTED_TRAIN_TYPES } from '../../src-shared/train-params'
import { IDLE, LOADING, READY, type Load, type SliceCreator } from './store-types'

export interface ClientRow {
  summary: ClientSummary
}

export interface ClientsSlice {
  health?: HealthResponse
  clients: ClientRow[]
  clientsLoad: Load
  selectedClient?: string
  /** Distributed mode's workers, as last read. */
  workers?: FleetWorkersResponse
  loadHealth(): Promise<void>
  loadWorkers(): Promise<void>
  loadClients(): Promise<void>
  selectClient(client: string): void
}

export const createClientsSlice: SliceCreator<ClientsSlice> = (set, get, api) => ({
  health: undefined,
  clients: [],
  clientsLoad: IDLE,
  selectedClient: undefined,

  async loadHealth() {
    try {
      set({ health: await api.health() })
    } catch {
      // The header shows the endpoint as unknown; the screens report their own failures.
    }
  },

  async loadClients() {
    if (get().clients.length === 0) set({ clientsLoad: LOADING })
    let summaries: ClientSummary[]
    try {
      summaries = await api.listClients()
    } catch (thrown) {
      set({ clientsLoad: { status: 'failed', error: toAppError(thrown) } })
      return
    }
    // The counts come with the list (from the server's mirror records): no dataset is read here.
    set({ clients: summaries.map((summary) => ({ summary })), clientsLoad: READY })
  },

  selectClient(client) {
    if (get().selectedClient === client) return
    get().releaseLiveJob()
    // The form starts on the train type the client's dataset is for, when the list says.
    const hint = get().clients.find((row) => row.summary.client === client)?.summary.trainType
    const trainType =
      hint !== undefined && IMPLEMENTED_TRAIN_TYPES.includes(hint) ? hint : undefined
    set({ selectedClient: client, ...(trainType !== undefined && { trainType }) })
    get().resetDataset()
    get().resetRuns()
    void get().loadDataset(client)
    void get().loadModelFiles(client)
    void get().loadRuns(client)
    void get().loadTrainDefaults(client)
  },

  async loadWorkers() {
    try {
      set({ workers: await api.listWorkers() })
    } catch {
      // Kept as last read: the panel shows when that was.
    }
  },
})
