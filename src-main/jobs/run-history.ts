// Run history: every job is kept as <home>/runs/<id>.json (params, events, metrics, result).
// Files are replaced atomically and flushed to disk, so a crash never leaves half a record,
// and writes are throttled while a job runs but happen at once on every stage change. Jobs that
// were still running when the app stopped are closed as interrupted (APP_STOPPED) on load, unless
// the caller knows better (a model whose commit was finished at start makes its job done).
// Records from before detection existed read as classification runs.

import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { appError, type AppError } from '../../src-shared/errors'
import { isTerminal, type JobRecord, type JobSummary } from '../../src-shared/job-events'
import { TRAIN_TYPES } from '../../src-shared/train-params'
import { writeFileAtomically } from '../platform/atomic-file'
import { Job, type JobEnding } from './job'

/** Job ids are file names here: only these characters ever reach the file system. */
export const JOB_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,99}$/

const DEFAULT_THROTTLE_MS = 500

/**
 * How a job the app stopped in ends, given the APP_STOPPED error it would end with; undefined
 * leaves the usual ending (interrupted, nothing stored).
 */
export type StoppedJobEnding = (job: Job, stopped: AppError) => Promise<JobEnding | undefined>

interface Tracked {
  job: Job
  timer?: NodeJS.Timeout
  lastWrite: number
  /** Writes of one job run one after another, so an older snapshot never lands last. */
  chain: Promise<void>
  unsubscribe: () => void
}

export class RunHistory {
  private readonly tracked = new Map<string, Tracked>()

  constructor(
    readonly dir: string,
    private readonly throttleMs = DEFAULT_THROTTLE_MS,
  ) {}

  /**
   * Reads every saved job. Jobs saved in a working state (the app stopped mid-job) are ended as
   * interrupted with an APP_STOPPED error (or as `endStopped` says) and saved again. Unreadable
   * files are skipped.
   */
  async load(endStopped?: StoppedJobEnding): Promise<Job[]> {
    await mkdir(this.dir, { recursive: true })
    const all = await readdir(this.dir)
    // Temp files of writes cut short when the app stopped: never a record, so they go.
    await Promise.all(
      all.filter((n) => n.endsWith('.tmp')).map((n) => rm(join(this.dir, n), { force: true })),
    )
    const names = all.filter((n) => n.endsWith('.json'))
    const jobs: Job[] = []
    for (const name of names) {
      const record = await this.readFile(join(this.dir, name))
      if (!record) continue
      const job = Job.fromRecord(record)
      if (!isTerminal(job.state)) {
        const stopped = appError(
          'APP_STOPPED',
          `the app stopped while this job was ${record.state}; it did not finish`,
          { details: { stateWhenStopped: record.state } },
        )
        job.finish(
          (await endStopped?.(job, stopped)) ?? {
            state: 'interrupted',
            Training: 'Interrupted',
            Storing: 'Skipped',
            error: stopped,
          },
        )
        await this.write(job)
      }
      jobs.push(job)
    }
    return jobs
  }

  /** The saved record of one job, or undefined when there is none (or the id is not a job id). */
  async read(id: string): Promise<JobRecord | undefined> {
    if (!JOB_ID_PATTERN.test(id)) return undefined
    return this.readFile(this.fileOf(id))
  }

  /** Saves the job now and on every event until it ends (stage changes at once, others throttled). */
  track(job: Job): void {
    if (this.tracked.has(job.id)) return
    const entry: Tracked = { job, lastWrite: 0, chain: Promise.resolve(), unsubscribe: () => {} }
    this.tracked.set(job.id, entry)
    entry.unsubscribe = job.log.subscribe((event) => {
      const urgent = event.type === 'stage' || event.type === 'result'
      this.schedule(entry, urgent)
      // The result is a job's last event: once it is on disk there is nothing left to follow.
      if (event.type === 'result') {
        entry.chain = entry.chain.then(() => {
          entry.unsubscribe()
          if (this.tracked.get(job.id) === entry) this.tracked.delete(job.id)
        })
      }
    })
  }

  /** Deletes the records of these jobs, after any write of theirs still under way. */
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      if (!JOB_ID_PATTERN.test(id)) continue
      const entry = this.tracked.get(id)
      if (entry) {
        if (entry.timer) clearTimeout(entry.timer)
        entry.timer = undefined
        await entry.chain
      }
      await rm(this.fileOf(id), { force: true })
    }
  }

  /** Waits for every pending write (used at shutdown and by tests). */
  async flush(): Promise<void> {
    for (const entry of [...this.tracked.values()]) {
      if (entry.timer) {
        clearTimeout(entry.timer)
        entry.timer = undefined
        this.enqueue(entry)
      }
      await entry.chain
    }
  }

  async close(): Promise<void> {
    await this.flush()
    for (const entry of this.tracked.values()) entry.unsubscribe()
    this.tracked.clear()
  }

  private schedule(entry: Tracked, urgent: boolean): void {
    const wait = urgent ? 0 : this.throttleMs - (Date.now() - entry.lastWrite)
    if (wait <= 0) {
      if (entry.timer) clearTimeout(entry.timer)
      entry.timer = undefined
      this.enqueue(entry)
      return
    }
    entry.timer ??= setTimeout(() => {
      entry.timer = undefined
      this.enqueue(entry)
    }, wait)
  }

  private enqueue(entry: Tracked): void {
    entry.lastWrite = Date.now()
    entry.chain = entry.chain
      .then(() => this.write(entry.job))
      .catch((err: unknown) => console.error(`could not save job ${entry.job.id}:`, err))
  }

  private async write(job: Job): Promise<void> {
    await writeFileAtomically(this.fileOf(job.id), JSON.stringify(job.record()))
  }

  private async readFile(path: string): Promise<JobRecord | undefined> {
    try {
      const value: unknown = JSON.parse(await readFile(path, 'utf8'))
      return isJobRecord(value) ? withTrainType(value) : undefined
    } catch {
      return undefined
    }
  }

  private fileOf(id: string): string {
    return join(this.dir, `${id}.json`)
  }
}

/**
 * Records written before there was more than one task may lack `trainType`: they trained a
 * classifier. (Their metrics and epochs lack `task`, which reads as classification already.)
 */
function withTrainType(record: JobRecord): JobRecord {
  const trainType = (record as Partial<JobRecord>).trainType
  return trainType !== undefined && (TRAIN_TYPES as readonly string[]).includes(trainType)
    ? record
    : { ...record, trainType: 'classification' }
}

function isJobRecord(value: unknown): value is JobRecord {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Partial<JobRecord>
  return (
    typeof r.id === 'string' &&
    JOB_ID_PATTERN.test(r.id) &&
    typeof r.client === 'string' &&
    typeof r.state === 'string' &&
    typeof r.createdAt === 'string' &&
    Array.isArray(r.events)
  )
}

/** Newest first, the order the UI and the API list jobs in. */
export function newestFirst(a: JobSummary, b: JobSummary): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)
}
