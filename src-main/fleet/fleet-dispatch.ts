// The server side of distributed mode: new jobs go to BullMQ, and every job this server follows
// has its log fed from the job's Redis stream. One job per client across the fleet is BullMQ's
// deduplication keyed by the client (simple mode: the key lasts until the job completes or fails,
// and BullMQ clears it itself then, also when a stalled job is failed), so two servers adding for
// one client at once get the same job back, atomically in one Lua script. A queue per client
// would need a worker per queue; a lock of our own would need its own expiry and recovery.

import { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { AppFailure, appError } from '../../src-shared/errors'
import type { FleetConfig } from '../config/settings'
import type { JobDispatch } from '../jobs/job-dispatch'
import type { Job } from '../jobs/job'
import { FLEET_PREFIX, INTERRUPT_CHANNEL, QUEUE_NAME, fleetConnection } from './fleet-keys'
import { fleetJobData, loadFleetJob, type FleetJobData } from './fleet-job-data'
import { appendJobEvent, dropJobEvents, waitJobEvents } from './job-event-stream'
import { finishFleetJob } from './fleet-job-ending'
import { listWorkers } from './worker-registry'
import type { FleetWorkerView } from '../../src-shared/fleet-workers'

/** XREAD BLOCK timeout: how often a follower looks whether it was closed. */
const BLOCK_MS = 1000
/** An interrupt is said again until the job ends: a worker may be between taking it and listening. */
const INTERRUPT_REPEAT_MS = [0, 250, 1000]

export class FleetDispatch implements JobDispatch {
  private readonly redis: Redis
  private readonly queue: Queue<FleetJobData>
  private readonly readers = new Set<Redis>()
  private closed = false

  constructor(private readonly config: FleetConfig) {
    this.redis = fleetConnection(config.redisUrl, 'server')
    this.queue = new Queue<FleetJobData>(QUEUE_NAME, {
      connection: fleetConnection(config.redisUrl, 'queue'),
      prefix: FLEET_PREFIX,
    })
    this.queue.on('error', () => undefined)
  }

  /** Fails with FLEET_UNREACHABLE when Redis does not answer in time. */
  async ready(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        this.redis.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new AppFailure(
                  appError('FLEET_UNREACHABLE', 'the fleet Redis does not answer', {
                    field: 'redisUrl',
                  }),
                ),
              ),
            timeoutMs,
          )
        }),
      ])
    } finally {
      clearTimeout(timer)
    }
  }

  async submit(job: Job): Promise<Job> {
    // The queued event is in the stream before any worker can take the job, so the worker's
    // events follow it and every reader sees the same first line.
    const first = job.log.all()[0]
    if (first) await appendJobEvent(this.redis, job.id, first)
    const added = await this.queue.add('train', fleetJobData(job), {
      jobId: job.id,
      deduplication: { id: job.client },
      attempts: 1,
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 24 * 3600, count: 10_000 },
    })
    if (added.id === job.id) return job
    await dropJobEvents(this.redis, job.id)
    const existing = added.id !== undefined ? await this.attach(added.id) : undefined
    if (existing) return existing
    // The client's job ended between the two calls: the key is free again.
    return this.submit(job)
  }

  async attach(id: string): Promise<Job | undefined> {
    const bull = await this.queue.getJob(id)
    if (!bull) return undefined
    return loadFleetJob(this.redis, bull.data)
  }

  async activeOf(client: string): Promise<Job | undefined> {
    const id = await this.queue.getDeduplicationJobId(client)
    return id ? this.attach(id) : undefined
  }

  async activeJobs(): Promise<Job[]> {
    const bulls = await this.queue.getJobs(['active', 'waiting', 'prioritized', 'delayed'])
    const jobs = await Promise.all(bulls.map((bull) => loadFleetJob(this.redis, bull.data)))
    return jobs.filter((job) => !job.terminal)
  }

  async follow(job: Job): Promise<void> {
    const reader = this.redis.duplicate()
    reader.on('error', () => undefined)
    this.readers.add(reader)
    const onAbort = () => void this.interrupt(job)
    job.controller.signal.addEventListener('abort', onAbort, { once: true })
    try {
      // Until the result, not the final stage: the result is the event after it.
      while (job.result === undefined && !this.closed) {
        let events
        try {
          events = await waitJobEvents(reader, job.id, job.log.length, BLOCK_MS)
        } catch {
          // Redis restarting, or this follower closed: look again shortly.
          if (this.closed) break
          await new Promise((resolve) => setTimeout(resolve, 200))
          continue
        }
        for (const event of events) job.replay(event)
      }
    } finally {
      job.controller.signal.removeEventListener('abort', onAbort)
      this.readers.delete(reader)
      reader.disconnect()
    }
  }

  /**
   * A queued job is taken off the queue (BullMQ refuses while a worker holds its lock) and ended
   * here; a running one is told to stop on the interrupt channel, which its worker listens to.
   */
  private async interrupt(job: Job): Promise<void> {
    const removed = await this.queue.remove(job.id)
    if (removed === 1) {
      await finishFleetJob(this.redis, job.id, fleetJobData(job), {
        state: 'interrupted',
        Training: 'Interrupted',
        Storing: 'Skipped',
        error: appError('INTERRUPTED', `job ${job.id} was interrupted on request`),
      })
      return
    }
    for (const delay of INTERRUPT_REPEAT_MS) {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
      if (job.terminal || this.closed) return
      await this.redis.publish(INTERRUPT_CHANNEL, job.id)
    }
  }

  /** The workers registered in Redis now. */
  workers(): Promise<FleetWorkerView[]> {
    return listWorkers(this.redis)
  }

  async close(): Promise<void> {
    this.closed = true
    for (const reader of this.readers) reader.disconnect()
    await this.queue.close()
    this.redis.disconnect()
  }
}
