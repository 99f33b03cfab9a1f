// A fleet worker: takes jobs from BullMQ one at a time and runs the same pipeline as the app
// (sync from S3, validate, train, export, upload), appending every event to the job's Redis
// stream. BullMQ renews the job's lock from this thread while training runs in its worker thread
// (engine/worker), so a CPU-bound training does not starve the renewal; a worker killed mid-job
// stops renewing, BullMQ's stalled-job checker notices within about two lock lives, and the
// worker that then fetches the job fails it, which writes WORKER_LOST into the job's log.

import { randomBytes } from 'node:crypto'
import { availableParallelism, hostname } from 'node:os'
import type { S3Client } from '@aws-sdk/client-s3'
import { Worker, type Job as BullJob } from 'bullmq'
import type { Redis } from 'ioredis'
import { AppFailure, appError, toAppError } from '../../src-shared/errors'
import type { FleetWorkerView } from '../../src-shared/fleet-workers'
import type { FleetConfig, Settings } from '../config/settings'
import { Job } from '../jobs/job'
import { runTrainingPipeline } from '../jobs/training-pipeline'
import { FLEET_PREFIX, INTERRUPT_CHANNEL, QUEUE_NAME, fleetConnection } from './fleet-keys'
import { jobFromEvents, type FleetJobData } from './fleet-job-data'
import { finishFleetJob } from './fleet-job-ending'
import { appendJobEvent, readJobEvents } from './job-event-stream'
import { REGISTRY_REFRESH_MS, announceWorker, withdrawWorker } from './worker-registry'

/** BullMQ's reason for a job whose lock lapsed more often than maxStalledCount allows. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit'

export interface FleetWorkerOptions {
  settings: Settings & { fleet: FleetConfig }
  s3: S3Client
  /** One line per job taken and ended. */
  onLine?: (line: string) => void
}

export class FleetWorker {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`
  private readonly redis: Redis
  private readonly subscriber: Redis
  private readonly worker: Worker<FleetJobData, string>
  private readonly running = new Map<string, Job>()
  private readonly startedAt = new Date().toISOString()
  private readonly refresh: NodeJS.Timeout
  private backend = 'pending'
  private lockRenewals = 0
  private closing: Promise<void> | undefined

  constructor(private readonly opts: FleetWorkerOptions) {
    const { fleet } = opts.settings
    this.redis = fleetConnection(fleet.redisUrl, 'worker')
    this.subscriber = fleetConnection(fleet.redisUrl, 'worker-interrupts')
    void this.subscriber.subscribe(INTERRUPT_CHANNEL).catch(() => undefined)
    this.subscriber.on('message', (_channel: string, jobId: string) => this.interrupt(jobId))
    this.worker = new Worker<FleetJobData, string>(QUEUE_NAME, (bull) => this.process(bull), {
      connection: fleetConnection(fleet.redisUrl, 'worker-queue'),
      prefix: FLEET_PREFIX,
      // One job per worker: a training uses the machine's cores on its own.
      concurrency: 1,
      lockDuration: fleet.lockMs,
      stalledInterval: fleet.lockMs,
      maxStalledCount: fleet.lostRetries,
    })
    this.worker.on('error', () => undefined)
    this.worker.on('locksRenewed', ({ count }: { count: number }) => {
      this.lockRenewals += count
    })
    this.worker.on('failed', (bull, err) => {
      if (bull && err.message.includes(STALLED_TOO_OFTEN)) void this.reportLost(bull)
    })
    this.refresh = setInterval(() => void this.announce(), REGISTRY_REFRESH_MS)
    void this.announce()
  }

  /** What the registry says about this worker now. */
  view(): FleetWorkerView {
    const [job] = this.running.values()
    return {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      backend: this.backend,
      threads: this.opts.settings.trainingThreads ?? Math.min(availableParallelism(), 4),
      ...(job && { job: { id: job.id, client: job.client, state: job.state } }),
      startedAt: this.startedAt,
      lockRenewals: this.lockRenewals,
      updatedAt: new Date().toISOString(),
    }
  }

  private async announce(): Promise<void> {
    if (this.closing) return
    await announceWorker(this.redis, this.view()).catch(() => undefined)
  }

  private interrupt(jobId: string): void {
    this.running
      .get(jobId)
      ?.controller.abort(
        new AppFailure(appError('INTERRUPTED', `job ${jobId} was interrupted on request`)),
      )
  }

  private async process(bull: BullJob<FleetJobData, string>): Promise<string> {
    const data = bull.data
    const events = await readJobEvents(this.redis, data.id)
    const job = jobFromEvents(data, events)
    // Ended while it waited (interrupted off the queue just as it was taken): nothing to run.
    if (job.terminal) return job.state
    const published = this.publish(job, events.length)
    this.running.set(job.id, job)
    try {
      if (job.state !== 'queued') {
        job.append({
          type: 'log',
          level: 'warn',
          message: `the worker running this job was lost in ${job.state}; it starts again`,
        })
        job.replay({ type: 'stage', state: 'queued', seq: job.log.length, at: now() })
      }
      job.append({
        type: 'log',
        level: 'info',
        message: `taken by fleet worker ${this.id}`,
        worker: this.id,
      })
      void this.announce()
      this.opts.onLine?.(`${job.id}: taken`)
      await this.runPipeline(job)
      await published.flush()
      this.opts.onLine?.(`${job.id}: ${job.state}`)
      return job.state
    } finally {
      published.stop()
      this.running.delete(job.id)
      void this.announce()
    }
  }

  private async runPipeline(job: Job): Promise<void> {
    const { settings, s3 } = this.opts
    try {
      await runTrainingPipeline(job, {
        settings,
        s3,
        onBackend: (backend) => {
          this.backend = backend
        },
      })
    } catch (err) {
      if (!job.terminal) {
        const interrupted = job.controller.signal.aborted
        job.finish({
          state: interrupted ? 'interrupted' : 'failed',
          Training: interrupted ? 'Interrupted' : 'Failed',
          Storing: 'Skipped',
          error: toAppError(interrupted ? job.controller.signal.reason : err),
        })
      }
    }
    if (!job.terminal)
      job.finish({
        state: 'failed',
        Training: 'Failed',
        Storing: 'Skipped',
        error: appError('INTERNAL', 'the job stopped without a result'),
      })
  }

  /**
   * Appends the job's events from `from` on to its stream, in order. A place already taken means
   * someone else ended the job (it was reported lost while this worker was cut off): the job stops.
   */
  private publish(job: Job, from: number): { flush(): Promise<void>; stop(): void } {
    let chain = Promise.resolve()
    let lost = false
    const stop = job.log.subscribe((event) => {
      chain = chain.then(async () => {
        if (lost) return
        if (await appendJobEvent(this.redis, job.id, event)) return
        lost = true
        job.controller.abort(
          new AppFailure(appError('WORKER_LOST', 'another process ended this job meanwhile')),
        )
      })
    }, from)
    return { flush: () => chain, stop }
  }

  /** The job's worker was lost (more often than allowed): its log ends with WORKER_LOST. */
  private async reportLost(bull: BullJob<FleetJobData, string>): Promise<void> {
    await finishFleetJob(this.redis, bull.data.id, bull.data, (state) => ({
      state: 'failed',
      Training: state === 'uploading' ? 'Succesfull' : 'Failed',
      Storing: state === 'uploading' ? 'Failed' : 'Skipped',
      error: appError(
        'WORKER_LOST',
        `the fleet worker running this job stopped answering while it was ${state}`,
        { details: { stateWhenLost: state } },
      ),
    })).catch((err: unknown) => console.error(`could not end lost job ${bull.data.id}:`, err))
  }

  /** Stops taking jobs; a job under way finishes first (BullMQ waits for it), then the key goes. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.refresh)
      await this.worker.close()
      await withdrawWorker(this.redis, this.id).catch(() => undefined)
      this.subscriber.disconnect()
      this.redis.disconnect()
    })()
    return this.closing
  }

  /** Interrupts the job under way (nothing is uploaded), then closes. */
  async stop(): Promise<void> {
    for (const id of this.running.keys()) this.interrupt(id)
    await this.close()
  }
}

function now(): string {
  return new Date().toISOString()
}
