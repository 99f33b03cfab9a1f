// The training form and the selected client's live job: starting and stopping it, and folding
// its event stream into the view the training screen draws.

import { isTerminal, type JobEvent } from '../../src-shared/job-events'
import { IMPLEMENTED_TRAIN_TYPES, type TrainType } from '../../src-shared/train-params'
import { applyJobEvent, emptyJobView, type JobView } from '../jobs/job-view'
import {
  checkParamsDraft,
  defaultParamsDraft,
  type FlagParam,
  type NumericParam,
  type ParamsDraft,
} from '../jobs/train-params-draft'
import type { SliceCreator } from './store-types'

export interface LiveJob {
  client: string
  view: JobView
}

export interface TrainingSlice {
  trainType: TrainType
  paramsDraft: ParamsDraft
  live?: LiveJob
  starting: boolean
  stopping: boolean
  setTrainType(trainType: TrainType): void
  setParam(key: NumericParam, raw: string): void
  setFlag(key: FlagParam, on: boolean): void
  setArchitecture(architecture: ParamsDraft['architecture']): void
  setBackbone(raw: string): void
  resetParams(): void
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

  return {
    trainType: IMPLEMENTED_TRAIN_TYPES[0] ?? 'classification',
    paramsDraft: defaultParamsDraft(),
    live: undefined,
    starting: false,
    stopping: false,

    setTrainType: (trainType) => set({ trainType }),
    setParam: (key, raw) => set({ paramsDraft: { ...get().paramsDraft, [key]: raw } }),
    setFlag: (key, on) => set({ paramsDraft: { ...get().paramsDraft, [key]: on } }),
    setArchitecture: (architecture) => set({ paramsDraft: { ...get().paramsDraft, architecture } }),
    setBackbone: (backbone) => set({ paramsDraft: { ...get().paramsDraft, backbone } }),
    resetParams: () => set({ paramsDraft: defaultParamsDraft() }),

    async startTraining() {
      const client = get().selectedClient
      const checked = checkParamsDraft(get().paramsDraft)
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
