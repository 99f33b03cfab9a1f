// The training form and the selected client's live job: starting and stopping it, and folding
// its event stream into the view the training screen draws. Each client keeps its own form, based
// on what the server would choose for it (its train defaults); switching clients keeps the edits.

import { toAppError } from '../../src-shared/errors'
import { isTerminal, type JobEvent } from '../../src-shared/job-events'
import type { TrainDefaultsView } from '../../src-shared/train-defaults'
import { IMPLEMENTED_TRAIN_TYPES, type TrainType } from '../../src-shared/train-params'
import { applyJobEvent, emptyJobView, type JobView } from '../jobs/job-view'
import {
  defaultParamsDraft,
  draftFromDefaults,
  paramsToSend,
  rebaseDraft,
  type FlagParam,
  type NumericParam,
  type ParamsDraft,
} from '../jobs/train-params-draft'
import { IDLE, LOADING, READY, type AppState, type Load, type SliceCreator } from './store-types'

export interface LiveJob {
  client: string
  view: JobView
}

/** One client's training form: what the user typed, on top of what the server would choose. */
export interface ParamsForm {
  draft: ParamsDraft
  /** The server's values as a draft (the plain defaults until it answered). */
  base: ParamsDraft
  defaults?: TrainDefaultsView
  load: Load
}

const EMPTY_FORM: ParamsForm = {
  draft: defaultParamsDraft(),
  base: defaultParamsDraft(),
  load: IDLE,
}

/** The selected client's form (a blank one before a client is picked). */
export function selectParamsForm(state: AppState): ParamsForm {
  const client = state.selectedClient
  return (client === undefined ? undefined : state.paramForms[client]) ?? EMPTY_FORM
}

export interface TrainingSlice {
  trainType: TrainType
  /** Each client's form, by client name. */
  paramForms: Record<string, ParamsForm>
  live?: LiveJob
  starting: boolean
  stopping: boolean
  setTrainType(trainType: TrainType): void
  setParam(key: NumericParam, raw: string): void
  setFlag(key: FlagParam, on: boolean): void
  setArchitecture(architecture: ParamsDraft['architecture']): void
  setBackbone(raw: string): void
  resetParams(): void
  /** Asks the server what it would train the client with, keeping the fields the user changed. */
  loadTrainDefaults(client: string): Promise<void>
  startTraining(): Promise<void>
  stopTraining(): Promise<void>
  /** Continues an interrupted run of the selected client from its checkpoint, and follows it. */
  resumeTraining(jobId: string): Promise<void>
  /** Follows a job of the selected client: replays its log, then its live events. */
  watchJob(jobId: string): void
  /** Stops following the live job (the job itself keeps running). */
  releaseLiveJob(): void
}

export const createTrainingSlice: SliceCreator<TrainingSlice> = (set, get, api) => {
  let unsubscribe: (() => void) | undefined
  let finishedHandled: string | undefined

  const onFinished = (client: string, view: JobView): void => {
    if (finishedHandled === view.jobId) return
    finishedHandled = view.jobId
    // The job synced, trained and uploaded: everything shown about the client may have changed.
    void get().loadRuns(client)
    void get().loadModelFiles(client)
    void get().loadDataset(client)
    void get().loadClients()
    void get().loadHealth()
    void get().loadTrainDefaults(client)
    get().openFinishedRun(view)
  }

  const onEvent = (client: string, jobId: string, event: JobEvent): void => {
    const live = get().live
    if (!live || live.view.jobId !== jobId) return
    const view = applyJobEvent(live.view, event)
    if (view === live.view) return
    set({ live: { client, view } })
    // The worker picks its backend as training starts; the first epoch shows it is known.
    if (event.type === 'epoch' && view.epochs.length === 1) void get().loadHealth()
    if (isTerminal(view.state) && view.result) onFinished(client, view)
  }

  const formOf = (client: string | undefined): ParamsForm =>
    (client === undefined ? undefined : get().paramForms[client]) ?? EMPTY_FORM
  const putForm = (client: string, form: ParamsForm): void =>
    set({ paramForms: { ...get().paramForms, [client]: form } })
  const editDraft = (change: (draft: ParamsDraft, form: ParamsForm) => ParamsDraft): void => {
    const client = get().selectedClient
    if (client === undefined) return
    const form = formOf(client)
    putForm(client, { ...form, draft: change(form.draft, form) })
  }

  return {
    trainType: IMPLEMENTED_TRAIN_TYPES[0] ?? 'classification',
    paramForms: {},
    live: undefined,
    starting: false,
    stopping: false,

    setTrainType: (trainType) => set({ trainType }),
    setParam: (key, raw) => editDraft((draft) => ({ ...draft, [key]: raw })),
    setFlag: (key, on) => editDraft((draft) => ({ ...draft, [key]: on })),
    setArchitecture: (architecture) => editDraft((draft) => ({ ...draft, architecture })),
    setBackbone: (backbone) => editDraft((draft) => ({ ...draft, backbone })),
    resetParams: () => editDraft((_draft, form) => form.base),

    async loadTrainDefaults(client) {
      const before = formOf(client)
      if (before.defaults === undefined) putForm(client, { ...before, load: LOADING })
      try {
        const defaults = await api.getTrainDefaults(client)
        const form = formOf(client)
        const base = draftFromDefaults(defaults)
        putForm(client, {
          draft: rebaseDraft(form.draft, form.base, base),
          base,
          defaults,
          load: READY,
        })
      } catch (thrown) {
        // The form keeps its values; it says it could not learn the server's choice.
        putForm(client, {
          ...formOf(client),
          load: { status: 'failed', error: toAppError(thrown) },
        })
      }
    },

    async startTraining() {
      const client = get().selectedClient
      const form = formOf(client)
      const checked = paramsToSend(form.draft, form.base, get().trainType)
      if (client === undefined || !checked.ok || get().starting) return
      set({ starting: true })
      try {
        const job = await api.startTraining({
          client,
          trainType: get().trainType,
          params: checked.params,
        })
        if (get().selectedClient === client) {
          get().watchJob(job.id)
          void get().loadRuns(client)
        }
      } catch (thrown) {
        get().notifyFailure(`Training of ${client} could not start`, thrown)
      } finally {
        set({ starting: false })
      }
    },

    async resumeTraining(jobId) {
      const client = get().selectedClient
      if (client === undefined || get().starting) return
      set({ starting: true })
      try {
        // The checkpoint keeps the run's parameters: none are sent, so none can conflict.
        const job = await api.startTraining({
          client,
          trainType: get().trainType,
          params: {},
          resume: jobId,
        })
        if (get().selectedClient === client) {
          get().watchJob(job.id)
          void get().loadRuns(client)
        }
      } catch (thrown) {
        get().notifyFailure(`Run ${jobId} could not be resumed`, thrown)
      } finally {
        set({ starting: false })
      }
    },

    async stopTraining() {
      const client = get().selectedClient
      if (client === undefined || get().stopping) return
      set({ stopping: true })
      try {
        await api.stopTraining(client)
      } catch (thrown) {
        get().notifyFailure(`Training of ${client} could not be stopped`, thrown)
      } finally {
        set({ stopping: false })
      }
    },

    watchJob(jobId) {
      const client = get().selectedClient
      if (client === undefined) return
      if (get().live?.view.jobId === jobId && unsubscribe) return
      get().releaseLiveJob()
      set({ live: { client, view: emptyJobView(jobId) } })
      unsubscribe = api.onJobEvent(jobId, (event) => onEvent(client, jobId, event))
    },

    releaseLiveJob() {
      unsubscribe?.()
      unsubscribe = undefined
      set({ live: undefined })
    },
  }
}
