// The selected client's run history, the run opened on the results screen (with its curves,
// folded from its stored event log) and the files in the client's model bucket.

import { isTerminal, type JobSummary, type ModelFile } from '../../src-shared/job-events'
import { toAppError } from '../../src-shared/errors'
import { foldJobEvents, type JobView } from '../jobs/job-view'
import { IDLE, LOADING, READY, type Load, type SliceCreator } from './store-types'

export interface OpenedRun {
  summary: JobSummary
  view: JobView
}

export interface RunsSlice {
  runs: JobSummary[]
  runsLoad: Load
  openedRun?: OpenedRun
  openedRunLoad: Load
  modelFiles: ModelFile[]
  modelFilesLoad: Load
  resetRuns(): void
  loadRuns(client: string): Promise<void>
  openRun(id: string): Promise<void>
  /** Shows a run that just finished on the results screen, without fetching its log again. */
  openFinishedRun(view: JobView): void
  loadModelFiles(client: string): Promise<void>
}

export const createRunsSlice: SliceCreator<RunsSlice> = (set, get, api) => ({
  runs: [],
  runsLoad: IDLE,
  openedRun: undefined,
  openedRunLoad: IDLE,
  modelFiles: [],
  modelFilesLoad: IDLE,

  resetRuns: () =>
    set({
      runs: [],
      runsLoad: IDLE,
      openedRun: undefined,
      openedRunLoad: IDLE,
      modelFiles: [],
      modelFilesLoad: IDLE,
    }),

  async loadRuns(client) {
    if (get().runs.length === 0) set({ runsLoad: LOADING })
    try {
      const runs = await api.listJobs(client)
      if (get().selectedClient !== client) return
      // The server answers newest first; keep that order whatever it sends.
      runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      set({ runs, runsLoad: READY })
      // A job started elsewhere (a script calling /progress, another window) is followed too.
      const active = runs.find((run) => !isTerminal(run.state))
      const live = get().live
      if (active && (!live || (live.view.jobId !== active.id && isTerminal(live.view.state))))
        get().watchJob(active.id)
    } catch (thrown) {
      if (get().selectedClient === client)
        set({ runsLoad: { status: 'failed', error: toAppError(thrown) } })
    }
  },

  async openRun(id) {
    set({ openedRunLoad: LOADING })
    try {
      const record = await api.getJob(id)
      const { events, ...summary } = record
      if (get().selectedClient !== summary.client) return
      set({ openedRun: { summary, view: foldJobEvents(id, events) }, openedRunLoad: READY })
    } catch (thrown) {
      set({ openedRunLoad: { status: 'failed', error: toAppError(thrown) } })
    }
  },

  openFinishedRun(view) {
    const summary = get().runs.find((run) => run.id === view.jobId)
    if (summary)
      set({ openedRun: { summary: { ...summary, state: view.state, result: view.result }, view } })
    else void get().openRun(view.jobId)
  },

  async loadModelFiles(client) {
    set({ modelFilesLoad: LOADING })
    try {
      const modelFiles = await api.listModelFiles(client)
      if (get().selectedClient === client) set({ modelFiles, modelFilesLoad: READY })
    } catch (thrown) {
      if (get().selectedClient === client)
        set({ modelFilesLoad: { status: 'failed', error: toAppError(thrown) } })
    }
  },
})
