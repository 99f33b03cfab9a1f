// The job queue: at most one active job per client (asking again joins it when the request asks
// for the same job, see job-join.ts; otherwise CLIENT_BUSY), jobs of different
// clients run up to settings.concurrency at once and wait in order otherwise, and any job can be
// interrupted. It also answers the UI's questions about clients, datasets and model files, and
// keeps every job in the run history.

import type { S3Client } from '@aws-sdk/client-s3'
import { localPaths, type Settings } from '../config/settings'
import type { DatasetView } from '../../src-shared/dataset-view'
import type { TrainDefaultsView } from '../../src-shared/train-defaults'
import type { ClientSummary, JobPage } from '../../src-shared/http-api'
import { AppFailure, appError, toAppError } from '../../src-shared/errors'
import {
  isTerminal,
  type JobEvent,
  type JobRecord,
  type JobSummary,
  type ModelFile,
  type QueueWait,
} from '../../src-shared/job-events'
import type { ModelVersion } from '../../src-shared/model-versions'
import type { SyncProgress } from '../../src-shared/sync-progress'
import type {
  BackendName,
  PromotePolicy,
  TrainParams,
  TrainType,
} from '../../src-shared/train-params'
import { classificationEpoch } from '../../src-shared/tasks/task-metrics'
import { clientThumbnail, listClients, listModelFiles, openModelFile } from './client-catalog'
import { endStoppedUpload, recoverCommits } from './commit-recovery'
import { describeLocalDataset, syncDataset } from './dataset-sync'
import { checkTrainingMemory, trainingMemoryLimit } from '../engine/worker/training-memory'
import { jobPage, type JobPageQuery } from './job-pages'
import { neverStarted, runsBeyondRetention } from './run-retention'
import { pruneUnsentModels } from './unsent-models'
import { Job, newJobId } from './job'
import { clientBusy, joinTraining } from './job-join'
import { listModelVersions, promoteModelVersion } from './model-version-catalog'
import { JOB_ID_PATTERN, RunHistory, newestFirst } from './run-history'
import { queueWaitMessage } from './queue-wait'
import { joinRetry, modelToRetry, runRetryUpload } from './retry-upload'
import { trainDefaultsFor } from './train-defaults'
import { clientTrainType } from './client-train-type'
import { checkpointOf, discardCheckpoint, resumableEnding } from './job-checkpoints'
import { resumeId, resumeInit } from './resume-request'
import { checkClientName, resolveTrainRequest } from './train-request'
import { SyncProgressFeed } from './sync-progress-feed'
import { runTrainingPipeline } from './training-pipeline'
import type { JobDispatch } from './job-dispatch'

/** Runs one job to its end; the service ends the job itself if the runner throws instead. */
export type JobRunner = (job: Job) => Promise<void>
/** Runs a retried upload of the model `source` trained. */
export type UploadRunner = (job: Job, source: JobSummary) => Promise<void>

export interface JobServiceOptions {
  settings: Settings
  s3: S3Client
  /** Where jobs are saved; without it jobs live in memory only. */
  history?: RunHistory
  /** Replaces the training pipeline (tests drive the queue with their own runner). */
  runner?: JobRunner
  /** Replaces the retried upload. */
  uploadRunner?: UploadRunner
  /** Distributed mode: jobs run on the fleet this hands them to, not in this process. */
  dispatch?: JobDispatch
}

export interface StartedJob {
  job: Job
  /** True when the client already had a job and this request joined it. */
  joined: boolean
}

/** How long close() waits for running jobs to wind down. */
const CLOSE_WAIT_MS = 5000

/** A new job's parameters, saying which task they train (run records and checkpoints keep it). */
function withTask(params: TrainParams, trainType: TrainType): TrainParams {
  return { ...params, task: trainType }
}

export class JobService {
  readonly settings: Settings
  private readonly s3: S3Client
  private readonly history: RunHistory | undefined
  private readonly runner: JobRunner
  private readonly uploadRunner: UploadRunner
  private readonly dispatch: JobDispatch | undefined
  /** The job each retried upload sends the model of, until it has run. */
  private readonly retrySources = new Map<string, JobSummary>()
  /** Jobs started since the app started, by id. */
  private readonly live = new Map<string, Job>()
  /** Jobs from earlier runs of the app: summaries only, the full record stays on disk. */
  private readonly past = new Map<string, JobSummary>()
  private readonly queue: Job[] = []
  /** A client's slot is held until its job's runner has settled, not just until the job ended. */
  private readonly running = new Map<string, { jobId: string; settled: Promise<void> }>()
  /** What each queued job was last said to wait for, so a reason is logged once, not per pump. */
  private readonly waits = new Map<string, string>()
  private readonly syncs = new Map<string, Promise<DatasetView>>()
  private readonly promotions = new Map<string, Promise<ModelVersion[]>>()
  private readonly syncProgress = new SyncProgressFeed()
  private announcedBackend: BackendName | undefined
  private closed = false
  private readonly newJobListeners = new Set<(job: Job) => void>()

  private constructor(opts: JobServiceOptions, past: Job[]) {
    this.settings = opts.settings
    this.s3 = opts.s3
    this.history = opts.history
    this.dispatch = opts.dispatch
    const dispatch = opts.dispatch
    this.runner =
      opts.runner ??
      (dispatch && ((job) => dispatch.follow(job))) ??
      ((job) =>
        runTrainingPipeline(job, {
          settings: this.settings,
          s3: this.s3,
          onBackend: (backend) => {
            this.announcedBackend = backend
          },
          // Only this job's slot is held: no other worker can have a cache store open.
          cachesIdle: () => this.running.size <= 1,
        }))
    this.uploadRunner =
      opts.uploadRunner ??
      ((job, source) => runRetryUpload(job, source, { settings: this.settings, s3: this.s3 }))
    for (const job of past) {
      // The record says what was true when the job ended; the checkpoint may have gone since.
      if (job.result?.resumable && !checkpointOf(this.settings.home, job.id)) job.checkpointGone()
      this.past.set(job.id, job.summary())
    }
  }

  /**
   * Finishes model commits the app was stopped in, loads the run history (closing jobs the app
   * was stopped in) and returns a ready service: no job runs before the bucket is whole.
   */
  static async create(opts: JobServiceOptions): Promise<JobService> {
    const recoveries = await recoverCommits(opts.settings, opts.s3)
    const endUpload = endStoppedUpload(opts.settings, recoveries)
    const past = opts.history
      ? await opts.history.load(
          async (job, stopped) =>
            (await endUpload(job, stopped)) ??
            (await resumableEnding(opts.settings.home, job, stopped)),
        )
      : []
    const service = new JobService(opts, past)
    // A server restarted mid-job re-attaches to what the fleet is running.
    for (const job of (await opts.dispatch?.activeJobs()) ?? []) service.adopt(job)
    return service
  }

  /**
   * start() for every transport: with a fleet, the client's job is looked up (and the new one
   * queued) across every server, which takes a round trip to Redis.
   */
  async submit(request: Parameters<JobService['start']>[0]): Promise<StartedJob> {
    const dispatch = this.dispatch
    if (!dispatch) return this.start(request)
    const resolved = resolveTrainRequest(request, this.settings.bucketPrefix)
    const { client, trainType, params, given, promote } = resolved
    if (request.resume !== undefined)
      throw new AppFailure(
        appError('FLEET_UNSUPPORTED', 'resuming a run is not available on a fleet yet', {
          field: 'resume',
        }),
      )
    const local = this.activeJob(client)
    if (local) return joinTraining(local, { trainType, params, given })
    this.assertOpen()
    const { limits, backend } = this.settings
    checkTrainingMemory(params, trainingMemoryLimit(limits.trainingMemoryMaxBytes, backend))
    const job = Job.create({
      id: newJobId(client),
      client,
      trainType,
      params: withTask(params, trainType),
      given,
      ...(promote !== undefined && { promote }),
    })
    const taken = await dispatch.submit(job)
    const known = this.live.get(taken.id)
    if (known === undefined) this.adopt(taken)
    if (taken === job) return { job, joined: false }
    return joinTraining(known ?? taken, { trainType, params, given })
  }

  /** A job of the fleet this server follows from now on (its log, history, interrupt). */
  private adopt(job: Job): void {
    if (this.live.has(job.id)) return
    this.live.set(job.id, job)
    const history = this.history
    // Saved once it has ended: a record of a job still running elsewhere would be closed as
    // stopped when this server restarts, though the job goes on.
    if (history)
      job.log.subscribe((event) => {
        if (event.type === 'result') history.track(job)
      })
    for (const listener of [...this.newJobListeners]) listener(job)
    this.syncProgress.follow(job)
    this.run(job)
  }

  /** The backend the last training worker announced, or 'pending' before any job trained. */
  get backend(): BackendName | 'pending' {
    return this.announcedBackend ?? 'pending'
  }

  /**
   * Starts a job for the client, or joins the one it already has (queued or running) when that is
   * a training run of the same type with the same values for every parameter the request gives.
   * Throws CLIENT_BUSY otherwise.
   */
  start(request: {
    client?: unknown
    trainType?: unknown
    params?: unknown
    promote?: unknown
    resume?: unknown
  }): StartedJob {
    if (this.dispatch)
      throw new AppFailure(appError('FLEET_UNSUPPORTED', 'on a fleet, jobs start through submit()'))
    const resolved = resolveTrainRequest(request, this.settings.bucketPrefix)
    const { client, trainType, params, given, promote } = resolved
    const resume = resumeId(request.resume)
    const active = this.activeJob(client)
    if (active && resume !== undefined && active.resumeOf !== resume)
      throw new AppFailure(clientBusy(active, `it is not the continuation of ${resume}`))
    if (active) return joinTraining(active, { trainType, params, given })
    this.assertOpen()
    if (resume !== undefined) {
      const source = this.live.get(resume)?.summary() ?? this.past.get(resume)
      const init = resumeInit(resolved, resume, source, this.settings.home)
      const job = Job.create({ id: newJobId(client), ...init })
      // Once the new job has taken the checkpoint over, the old one can no longer resume.
      job.log.subscribe((event) => {
        if (event.type === 'stage' && event.state === 'training') this.checkpointGone(resume)
      })
      this.enqueue(job)
      return { job, joined: false }
    }
    const { limits, backend } = this.settings
    checkTrainingMemory(params, trainingMemoryLimit(limits.trainingMemoryMaxBytes, backend))
    const job = Job.create({
      id: newJobId(client),
      client,
      trainType,
      params: withTask(params, trainType),
      given,
      ...(promote !== undefined && { promote }),
    })
    this.enqueue(job)
    return { job, joined: false }
  }

  private assertOpen(): void {
    if (this.closed)
      throw new AppFailure(appError('SHUTTING_DOWN', 'the server is shutting down; no new jobs'))
  }

  /**
   * Calls the listener with every job created from now on, before it runs, so it can subscribe
   * to the job's whole log. Returns the unsubscribe function.
   */
  onNewJob(listener: (job: Job) => void): () => void {
    this.newJobListeners.add(listener)
    return () => {
      this.newJobListeners.delete(listener)
    }
  }

  private enqueue(job: Job): void {
    this.live.set(job.id, job)
    this.history?.track(job)
    for (const listener of [...this.newJobListeners]) listener(job)
    this.syncProgress.follow(job)
    job.controller.signal.addEventListener('abort', () => this.dropIfQueued(job), { once: true })
    this.queue.push(job)
    this.pump()
  }

  /**
   * Uploads the model a job trained but did not store, without training again: by job id or by
   * client (its newest model on disk). Joins a retried upload already under way for the client.
   */
  async retryUpload(
    target: { client: string } | { jobId: string },
    options: { promote?: PromotePolicy } = {},
  ): Promise<StartedJob> {
    let named: JobSummary | undefined
    if ('jobId' in target) {
      named = this.live.get(target.jobId)?.summary() ?? this.past.get(target.jobId)
      if (!named)
        throw new AppFailure(appError('JOB_NOT_FOUND', `no job ${target.jobId}`, { field: 'id' }))
    }
    if (this.dispatch)
      throw new AppFailure(
        appError('FLEET_UNSUPPORTED', 'retrying an upload is not available on a fleet yet'),
      )
    const client =
      named?.client ??
      checkClientName('client' in target ? target.client : undefined, this.settings.bucketPrefix)
    const before = joinRetry(this.activeJob(client))
    if (before) return before
    this.assertOpen()
    const source = await modelToRetry(this.settings, client, this.list(client), named?.id)
    // Looking at the disk took a moment: another request may have started one meanwhile.
    const after = joinRetry(this.activeJob(client))
    if (after) return after
    this.assertOpen()
    const job = Job.create({
      id: newJobId(client),
      client,
      trainType: source.trainType,
      params: source.params,
      retryOf: source.id,
      ...(options.promote !== undefined && { promote: options.promote }),
    })
    this.retrySources.set(job.id, source)
    this.enqueue(job)
    return { job, joined: false }
  }

  /**
   * Deletes the training checkpoint an ended job kept, so it can no longer be resumed. Returns
   * whether there was one. JOB_NOT_FOUND for an unknown job, CLIENT_BUSY while it still runs.
   */
  async discardCheckpoint(id: string): Promise<{ discarded: boolean }> {
    const summary = this.live.get(id)?.summary() ?? this.past.get(id)
    if (!summary) throw new AppFailure(appError('JOB_NOT_FOUND', `no job ${id}`, { field: 'id' }))
    if (!isTerminal(summary.state))
      throw new AppFailure(
        appError('CLIENT_BUSY', `job ${id} is still running`, { details: { jobId: id } }),
      )
    const discarded = checkpointOf(this.settings.home, id) !== undefined
    await discardCheckpoint(this.settings.home, id)
    this.checkpointGone(id)
    return { discarded }
  }

  private checkpointGone(id: string): void {
    const job = this.live.get(id)
    job?.checkpointGone()
    const summary = this.past.get(id)
    if (summary?.result?.resumable) {
      const { checkpointEpoch: _epoch, ...result } = summary.result
      this.past.set(id, { ...summary, result: { ...result, resumable: false } })
    }
  }

  /** The client's queued or running job, if any. */
  activeJob(client: string): Job | undefined {
    for (const job of this.live.values()) if (job.client === client && !job.terminal) return job
    return undefined
  }

  /** A job of this app run (with its live log), by id. */
  liveJob(id: string): Job | undefined {
    return this.live.get(id)
  }

  /**
   * Interrupts the active job of a client, or a job by id. Returns the job, or undefined when
   * there is no such job still working. The job ends as interrupted; nothing is uploaded.
   */
  interrupt(clientOrId: string): Job | undefined {
    const job = this.live.get(clientOrId) ?? this.activeJob(clientOrId)
    if (!job || job.terminal) return undefined
    job.controller.abort(
      new AppFailure(appError('INTERRUPTED', `job ${job.id} was interrupted on request`)),
    )
    return job
  }

  /** Like interrupt, then waits (up to timeoutMs) for the job to reach its final state. */
  async interruptAndWait(clientOrId: string, timeoutMs = 2000): Promise<JobSummary | undefined> {
    if (this.dispatch && !this.live.get(clientOrId) && !this.activeJob(clientOrId)) {
      const elsewhere =
        (await this.dispatch.activeOf(clientOrId)) ?? (await this.dispatch.attach(clientOrId))
      if (elsewhere && !this.live.has(elsewhere.id)) this.adopt(elsewhere)
    }
    const job = this.interrupt(clientOrId)
    if (!job) return undefined
    await settledWithin(job, timeoutMs)
    return job.summary()
  }

  /** Jobs, newest first; only the client's when one is given. Jobs that never started are not listed. */
  list(client?: string): JobSummary[] {
    const live = [...this.live.values()].map((job) => job.summary()).filter((s) => !neverStarted(s))
    const all = [...live, ...this.past.values()]
    return all.filter((s) => client === undefined || s.client === client).sort(newestFirst)
  }

  /** One page of list(client): see jobPage. */
  page(query: JobPageQuery & { client?: string }): JobPage {
    return jobPage(this.list(query.client), query)
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const job = this.live.get(id)
    if (job) return job.record()
    if (!this.past.has(id)) return (await this.attach(id))?.record()
    return this.history?.read(id)
  }

  /** A fleet job another server started, followed here from now on. */
  private async attach(id: string): Promise<Job | undefined> {
    if (!this.dispatch || !JOB_ID_PATTERN.test(id)) return undefined
    const job = await this.dispatch.attach(id)
    if (!job) return undefined
    const known = this.live.get(job.id)
    if (known) return known
    this.adopt(job)
    return job
  }

  /**
   * Replays the job's log from `fromSeq`, then delivers live events. Returns the unsubscribe
   * function, or undefined for an unknown job. Past jobs replay from disk (their log is complete).
   */
  subscribe(
    id: string,
    listener: (event: JobEvent) => void,
    fromSeq = 0,
  ): (() => void) | undefined {
    const job = this.live.get(id)
    if (job) return job.log.subscribe(listener, fromSeq)
    if (!this.past.has(id)) return undefined
    let open = true
    void this.get(id).then((record) => {
      for (const event of record?.events ?? []) if (open && event.seq >= fromSeq) listener(event)
    })
    return () => {
      open = false
    }
  }

  /** Dataset buckets under the prefix, each with its latest job. */
  listClients(): Promise<ClientSummary[]> {
    return listClients(this.settings, this.s3, this.list(), (job) => this.lastValAccuracy(job.id))
  }

  /** The client's local dataset as last mirrored (synced: false before the first sync). */
  async getDataset(client: string): Promise<DatasetView> {
    checkClientName(client, this.settings.bucketPrefix)
    const last = this.list().find((job) => job.client === client && job.result !== undefined)
    return describeLocalDataset(this.settings, client, {
      fallbackReport: this.latestReport(client),
      skipped: {
        skippedImages: last?.result?.skippedImages ?? [],
        skippedImageCount: last?.result?.skippedImageCount ?? 0,
      },
    })
  }

  /** What a job for the client would train with if the caller set nothing, and why. */
  async trainDefaults(client: string): Promise<TrainDefaultsView> {
    checkClientName(client, this.settings.bucketPrefix)
    return trainDefaultsFor(
      this.settings,
      client,
      clientTrainType(this.settings, client, this.list()),
    )
  }

  /** Mirrors and validates the client's dataset without training. Refused while a job runs for it. */
  async syncOnly(client: string): Promise<DatasetView> {
    checkClientName(client, this.settings.bucketPrefix)
    const pending = this.syncs.get(client)
    if (pending) return pending
    if (this.activeJob(client))
      throw new AppFailure(
        appError('CLIENT_BUSY', `client ${client} has a job running; its dataset syncs with it`, {
          details: { jobId: this.activeJob(client)?.id },
        }),
      )
    const feed = this.syncProgress
    const sync = syncDataset(
      this.settings,
      this.s3,
      client,
      undefined,
      (progress) => feed.publish(progress),
      clientTrainType(this.settings, client, this.list()),
    ).finally(() => {
      feed.end(client)
      this.syncs.delete(client)
      this.pump()
    })
    this.syncs.set(client, sync)
    return sync
  }

  /**
   * Calls the listener with each step of the client's syncs, by the Sync button or a training
   * job, starting with the current one. Returns the unsubscribe function.
   */
  onSyncProgress(client: string, listener: (progress: SyncProgress) => void): () => void {
    checkClientName(client, this.settings.bucketPrefix)
    return this.syncProgress.subscribe(client, listener)
  }

  /** A cached thumbnail of one image of the client's local dataset. */
  async thumbnail(client: string, file: string, size?: number) {
    checkClientName(client, this.settings.bucketPrefix)
    return clientThumbnail(this.settings, client, file, size)
  }

  /** The files in the client's model bucket (empty when the bucket does not exist yet). */
  async listModelFiles(client: string): Promise<ModelFile[]> {
    checkClientName(client, this.settings.bucketPrefix)
    return listModelFiles(this.settings, this.s3, client)
  }

  /** One listed file of the client's model bucket, as a stream (MODEL_FILE_NOT_FOUND otherwise). */
  async openModelFile(client: string, key: string) {
    checkClientName(client, this.settings.bucketPrefix)
    return openModelFile(this.settings, this.s3, client, key)
  }

  /** Every run's model set kept in the client's model bucket, newest first. */
  async listModelVersions(client: string): Promise<ModelVersion[]> {
    checkClientName(client, this.settings.bucketPrefix)
    return listModelVersions(this.settings, this.s3, client)
  }

  /**
   * Makes a kept version the client's stored model. Refused while the client has a job (its
   * upload commits to the same keys) or another promotion under way.
   */
  async promoteModelVersion(client: string, jobId: string): Promise<ModelVersion[]> {
    checkClientName(client, this.settings.bucketPrefix)
    if (!JOB_ID_PATTERN.test(jobId))
      throw new AppFailure(appError('INVALID_JOB_ID', 'not a job id', { field: 'jobId' }))
    const active = this.activeJob(client)
    if (active) throw new AppFailure(clientBusy(active, 'promote a version once it has ended'))
    if (this.promotions.has(client))
      throw new AppFailure(
        appError('CLIENT_BUSY', `client ${client} is already promoting a version`, {
          details: { client },
        }),
      )
    this.assertOpen()
    const promotion = promoteModelVersion(this.settings, this.s3, client, jobId)
    this.promotions.set(client, promotion)
    try {
      return await promotion
    } finally {
      this.promotions.delete(client)
    }
  }

  /** Interrupts every job, waits for them to wind down, and saves the history. */
  async close(): Promise<void> {
    this.closed = true
    if (this.dispatch) {
      // Fleet jobs go on without this server: it only stops following them.
      await this.dispatch.close()
      await this.history?.close()
      return
    }
    for (const job of this.live.values()) {
      if (job.terminal) continue
      job.controller.abort(new AppFailure(appError('INTERRUPTED', 'the server is shutting down')))
    }
    await Promise.race([
      Promise.allSettled([
        ...[...this.running.values()].map((slot) => slot.settled),
        ...this.syncs.values(),
      ]),
      new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref()),
    ])
    await this.history?.close()
  }

  private pump(): void {
    for (const job of [...this.queue]) {
      const wait = this.waitOf(job)
      if (wait) {
        this.noteWait(job, wait)
        continue
      }
      this.queue.splice(this.queue.indexOf(job), 1)
      this.waits.delete(job.id)
      this.run(job)
    }
  }

  /** What keeps a queued job from starting now, or undefined when it can start. */
  private waitOf(job: Job): QueueWait | undefined {
    const own = this.running.get(job.client)
    if (own) return { kind: 'client', client: job.client, jobId: own.jobId }
    if (this.syncs.has(job.client)) return { kind: 'sync', client: job.client }
    if (this.running.size >= this.settings.concurrency)
      return {
        kind: 'slot',
        concurrency: this.settings.concurrency,
        running: [...this.running.keys()],
      }
    return undefined
  }

  private noteWait(job: Job, wait: QueueWait): void {
    const message = queueWaitMessage(wait)
    if (this.waits.get(job.id) === message) return
    this.waits.set(job.id, message)
    job.append({ type: 'queued', waitingFor: wait, message })
  }

  private run(job: Job): void {
    const settled = (async () => {
      try {
        const source = this.retrySources.get(job.id)
        this.retrySources.delete(job.id)
        await (source ? this.uploadRunner(job, source) : this.runner(job))
      } catch (err) {
        if (!job.terminal) endAfterThrow(job, err)
      }
      // A fleet job this server stopped following has not ended: it runs elsewhere.
      if (this.dispatch && this.closed) return
      if (!job.terminal)
        job.finish({
          state: 'failed',
          Training: 'Failed',
          Storing: 'Skipped',
          error: appError('INTERNAL', 'the job stopped without a result'),
        })
      await this.retire(job).catch((err: unknown) =>
        console.error(`could not prune the run records of ${job.client}:`, err),
      )
    })().finally(() => {
      this.running.delete(job.client)
      this.pump()
    })
    this.running.set(job.client, { jobId: job.id, settled })
  }

  /** A finished job's record goes when it never started; the client's oldest beyond retention go. */
  private async retire(job: Job): Promise<void> {
    if (neverStarted(job.summary())) {
      await this.history?.remove([job.id])
      return
    }
    const keep = this.settings.limits.runRetention
    const old = runsBeyondRetention(this.list(job.client), job.client, keep)
    for (const id of old) {
      this.past.delete(id)
      if (this.live.get(id)?.terminal) this.live.delete(id)
    }
    await this.history?.remove(old)
    // A run whose record is gone cannot be resumed: its checkpoint would only take space.
    for (const id of old) await discardCheckpoint(this.settings.home, id)
    await pruneUnsentModels({
      home: this.settings.home,
      client: job.client,
      jobs: this.list(job.client),
      weights: localPaths(this.settings.home, job.client).weights,
      maxAgeDays: this.settings.limits.unsentModelMaxAgeDays,
    })
  }

  private dropIfQueued(job: Job): void {
    const at = this.queue.indexOf(job)
    if (at < 0 || job.terminal) return
    this.queue.splice(at, 1)
    this.retrySources.delete(job.id)
    this.waits.delete(job.id)
    job.finish({ state: 'interrupted', Training: 'Interrupted', Storing: 'Skipped' })
  }

  private latestReport(client: string) {
    for (const job of [...this.live.values()].reverse()) {
      if (job.client !== client) continue
      const report = job.report
      if (report) return report
    }
    return undefined
  }

  private lastValAccuracy(id: string): number | undefined {
    const job = this.live.get(id)
    const events = job?.log.all() ?? []
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events[i]
      // A detector's or segmenter's epochs have no accuracy: its running score is not this one.
      if (event?.type === 'epoch') return classificationEpoch(event)?.valAccuracy
    }
    return undefined
  }
}

function endAfterThrow(job: Job, err: unknown): void {
  const interrupted = job.controller.signal.aborted
  job.finish({
    state: interrupted ? 'interrupted' : 'failed',
    Training: interrupted ? 'Interrupted' : 'Failed',
    Storing: 'Skipped',
    error: interrupted ? toAppError(job.controller.signal.reason) : toAppError(err),
  })
}

function settledWithin(job: Job, timeoutMs: number): Promise<void> {
  if (job.result) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs)
    // From the current end of the log: only a result still to come matters.
    const unsubscribe = job.log.subscribe((event) => {
      if (event.type === 'result') done()
    }, job.log.length)
    function done() {
      clearTimeout(timer)
      unsubscribe()
      resolve()
    }
  })
}
