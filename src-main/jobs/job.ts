// One training job as a state machine: queued → syncing → validating → training → exporting →
// uploading → done, and from any state that is not final to failed or interrupted. A retried
// upload is a job of its own that goes queued → uploading → done. Every change is a 'stage' event
// in the job's log; the time spent in each stage comes from those events.

import { randomBytes } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import type { AnnotationReport } from '../../src-shared/annotation-report'
import { AppFailure, appError, type AppError } from '../../src-shared/errors'
import {
  isTerminal,
  type BackboneFallback,
  type JobEvent,
  type JobEventInput,
  type JobRecord,
  type JobResult,
  type JobState,
  type JobSummary,
  type ModelFile,
  type SkippedImage,
  type TrainingMetrics,
} from '../../src-shared/job-events'
import type { Promotion } from '../../src-shared/model-versions'
import type { PromotePolicy, TrainParams, TrainType } from '../../src-shared/train-params'
import { EventLog } from './event-log'

/** The working stages in order; each may only move to the next one. */
const FORWARD: readonly JobState[] = [
  'queued',
  'syncing',
  'validating',
  'training',
  'exporting',
  'uploading',
  'done',
]

/** A job that only uploads a model trained earlier: nothing to sync, validate or train. */
const RETRY_UPLOAD: readonly JobState[] = ['queued', 'uploading', 'done']

export function canTransition(
  from: JobState,
  to: JobState,
  path: readonly JobState[] = FORWARD,
): boolean {
  if (isTerminal(from)) return false
  if (to === 'failed' || to === 'interrupted') return true
  const i = path.indexOf(from)
  return i >= 0 && path[i + 1] === to
}

/** Sortable by time, readable, and safe as a file name: `client0-20250101t120000123-a1b2c3`. */
export function newJobId(client: string): string {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '').replace('Z', '').toLowerCase()
  return `${client}-${stamp}-${randomBytes(3).toString('hex')}`
}

export type Outcome = 'Succesfull' | 'Failed' | 'Interrupted' | 'Skipped'

export interface JobEnding {
  state: 'done' | 'failed' | 'interrupted'
  Training: Outcome
  Storing: Outcome
  error?: AppError
  report?: AnnotationReport
  metrics?: TrainingMetrics
  modelBucket?: string
  modelKeys?: ModelFile[]
  localModelDir?: string
  skippedImages?: SkippedImage[]
  skippedImageCount?: number
  promoted?: boolean
  promotion?: Promotion
  /** Epoch of the training checkpoint the job leaves behind, when it keeps one. */
  checkpointEpoch?: number
}

export interface JobInit {
  id: string
  client: string
  trainType: TrainType
  params: TrainParams
  /** The parameters the caller set; the others may still be settled from the dataset. */
  given?: (keyof TrainParams)[]
  /** Makes this a retried upload of that job's model (queued → uploading → done). */
  retryOf?: string
  /** Whether the stored model becomes the client's model (default: when at least as good). */
  promote?: PromotePolicy
  /** Makes this a continuation of that interrupted job, from its checkpoint. */
  resumeOf?: string
}

export class Job {
  readonly id: string
  readonly client: string
  readonly trainType: TrainType
  private currentParams: TrainParams
  /** The parameters the caller set (the rest came from defaults). */
  readonly given: readonly (keyof TrainParams)[]
  readonly retryOf: string | undefined
  readonly promote: PromotePolicy
  readonly resumeOf: string | undefined
  readonly createdAt: string
  readonly log: EventLog
  /** Aborted to interrupt the job; every step of the pipeline listens to it. */
  readonly controller = new AbortController()
  private currentState: JobState
  private finalResult: JobResult | undefined
  private backboneFallback: BackboneFallback | undefined
  /** Distributed mode: the fleet worker that took the job, from the log line saying so. */
  private takenBy: string | undefined

  private constructor(init: JobInit, createdAt: string, state: JobState, log: EventLog) {
    this.id = init.id
    this.client = init.client
    this.trainType = init.trainType
    this.currentParams = init.params
    this.given = init.given ?? []
    this.retryOf = init.retryOf
    this.promote = init.promote ?? 'auto'
    this.resumeOf = init.resumeOf
    this.createdAt = createdAt
    this.currentState = state
    this.log = log
    // Every S3 request and the worker of a job listen to this one signal: many listeners are normal.
    setMaxListeners(1000, this.controller.signal)
  }

  /** A new job in state 'queued' (its first event). */
  static create(init: JobInit, now: () => Date = () => new Date()): Job {
    const log = new EventLog([], now)
    const job = new Job(init, now().toISOString(), 'queued', log)
    log.append({
      type: 'stage',
      state: 'queued',
      jobId: init.id,
      client: init.client,
      trainType: init.trainType,
    })
    return job
  }

  /** A job read back from the run history, in the state it was saved in. */
  static fromRecord(record: JobRecord, now: () => Date = () => new Date()): Job {
    const job = new Job(record, record.createdAt, record.state, new EventLog(record.events, now))
    job.finalResult = record.result
    for (const event of record.events) job.noteWorker(event)
    return job
  }

  /**
   * Takes in an event that another process appended to this job (a fleet worker's, read back
   * from Redis): the state and result follow it as they did there. False when it is out of order.
   */
  replay(event: JobEvent): boolean {
    if (event.seq !== this.log.length) return false
    // State first, so listeners of the event already see it, as with append.
    if (event.type === 'stage') this.currentState = event.state
    if (event.type === 'result') {
      this.finalResult = event.result
      this.currentState = event.result.state
    }
    this.noteWorker(event)
    return this.log.appendRecorded(event)
  }

  /** The fleet worker that runs the job, when it runs on one. */
  get worker(): string | undefined {
    return this.takenBy
  }

  private noteWorker(event: JobEvent | JobEventInput): void {
    if (event.type === 'log' && event.worker !== undefined) this.takenBy = event.worker
  }

  get state(): JobState {
    return this.currentState
  }

  get result(): JobResult | undefined {
    return this.finalResult
  }

  get terminal(): boolean {
    return isTerminal(this.currentState)
  }

  get updatedAt(): string {
    return this.log.last()?.at ?? this.createdAt
  }

  /** The most recent validation report in the log, if any. */
  get report(): AnnotationReport | undefined {
    const events = this.log.all()
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events[i]
      if (event?.type === 'report') return event.report
    }
    return undefined
  }

  append(input: JobEventInput): JobEvent {
    this.noteWorker(input)
    return this.log.append(input)
  }

  /** Moves to the next working stage; throws ILLEGAL_TRANSITION for anything else. */
  transition(to: JobState): void {
    if (isTerminal(to))
      throw new AppFailure(
        appError('ILLEGAL_TRANSITION', `a job ends through finish(), not transition to ${to}`),
      )
    this.move(to)
  }

  /** Ends the job: an error event when there is one, the final stage, then the result event. */
  finish(ending: JobEnding): JobResult {
    if (!canTransition(this.currentState, ending.state, this.path)) this.illegal(ending.state)
    if (ending.error) this.append({ type: 'error', error: ending.error })
    this.move(ending.state)
    const result: JobResult = {
      jobId: this.id,
      client: this.client,
      state: ending.state,
      Training: ending.Training,
      Storing: ending.Storing,
      ...(ending.modelBucket !== undefined && { modelBucket: ending.modelBucket }),
      ...(ending.modelKeys !== undefined && { modelKeys: ending.modelKeys }),
      ...(ending.localModelDir !== undefined && { localModelDir: ending.localModelDir }),
      ...(ending.metrics !== undefined && { metrics: ending.metrics }),
      timings: this.timings(),
      ...(ending.error !== undefined && { error: ending.error }),
      ...(ending.report !== undefined && { report: ending.report }),
      ...(ending.skippedImages !== undefined && { skippedImages: ending.skippedImages }),
      ...(ending.skippedImageCount !== undefined && {
        skippedImageCount: ending.skippedImageCount,
      }),
      ...(this.retryOf !== undefined && { retryOf: this.retryOf }),
      ...(ending.promoted !== undefined && { promoted: ending.promoted }),
      ...(ending.promotion !== undefined && { promotion: ending.promotion }),
      ...(this.resumeOf !== undefined && { resumeOf: this.resumeOf }),
      ...(this.backboneFallback !== undefined && { backboneFallback: this.backboneFallback }),
      ...(ending.checkpointEpoch !== undefined && {
        resumable: true,
        checkpointEpoch: ending.checkpointEpoch,
      }),
    }
    this.finalResult = result
    this.append({ type: 'result', result })
    return result
  }

  /** The checkpoint this ended job kept is gone (resumed by another job, or discarded). */
  checkpointGone(): void {
    if (this.finalResult?.resumable !== true) return
    const { checkpointEpoch: _epoch, ...rest } = this.finalResult
    this.finalResult = { ...rest, resumable: false }
  }

  /** Milliseconds spent in each stage so far, from the stage events' times. */
  timings(): Partial<Record<JobState, number>> {
    const timings: Partial<Record<JobState, number>> = {}
    let previous: { state: JobState; at: number } | undefined
    for (const event of this.log.all()) {
      if (event.type !== 'stage') continue
      const at = Date.parse(event.at)
      if (previous) timings[previous.state] = (timings[previous.state] ?? 0) + at - previous.at
      previous = { state: event.state, at }
    }
    return timings
  }

  /** What the job trains with: the given parameters, the rest from defaults or the dataset. */
  get params(): TrainParams {
    return this.currentParams
  }

  /**
   * Replaces the parameters the caller left unset by ones chosen for the dataset; the given ones
   * stay as they were.
   */
  settleParams(fromDataset: Partial<TrainParams>): TrainParams {
    const settled: TrainParams = { ...this.currentParams }
    for (const [key, value] of Object.entries(fromDataset) as [keyof TrainParams, unknown][])
      if (!this.given.includes(key) && value !== undefined)
        (settled as unknown as Record<string, unknown>)[key] = value
    this.currentParams = settled
    return settled
  }

  /**
   * Trains without the backbone the job named (a preset that could not be downloaded): the
   * architecture becomes `fallback.architecture`, and the result says so.
   */
  trainWithoutBackbone(fallback: BackboneFallback): void {
    const { backbone: _backbone, fineTuneLayers: _fineTune, ...rest } = this.currentParams
    this.currentParams = { ...rest, architecture: fallback.architecture }
    this.backboneFallback = fallback
  }

  summary(): JobSummary {
    return {
      id: this.id,
      client: this.client,
      trainType: this.trainType,
      params: this.params,
      state: this.currentState,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
      ...(this.finalResult !== undefined && { result: this.finalResult }),
      ...(this.retryOf !== undefined && { retryOf: this.retryOf }),
      ...(this.resumeOf !== undefined && { resumeOf: this.resumeOf }),
      ...(this.takenBy !== undefined && { worker: this.takenBy }),
    }
  }

  record(): JobRecord {
    return { ...this.summary(), events: this.log.all() }
  }

  /** The working stages this job goes through. */
  private get path(): readonly JobState[] {
    return this.retryOf === undefined ? FORWARD : RETRY_UPLOAD
  }

  private move(to: JobState): void {
    if (!canTransition(this.currentState, to, this.path)) this.illegal(to)
    // State first, so listeners of the stage event already see the new state.
    this.currentState = to
    this.append({ type: 'stage', state: to })
  }

  private illegal(to: JobState): never {
    throw new AppFailure(
      appError(
        'ILLEGAL_TRANSITION',
        `job ${this.id} cannot move from ${this.currentState} to ${to}`,
        {
          details: { from: this.currentState, to },
        },
      ),
    )
  }
}
