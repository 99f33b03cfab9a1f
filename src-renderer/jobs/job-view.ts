// What the UI shows of one job, folded from its event log: the state, the progress of each stage,
// the epoch curves, the validation report and the result. Live streams and reopened runs go
// through the same fold, so a past run looks exactly as it did while it ran.

import type { AnnotationReport } from '../../src-shared/annotation-report'
import type { AppError } from '../../src-shared/errors'
import type {
  EpochMetrics,
  JobEvent,
  JobResult,
  JobState,
  LogEvent,
  ProgressEvent,
} from '../../src-shared/job-events'

export type ProgressStage = ProgressEvent['stage']

export interface StageProgress {
  unit: ProgressEvent['unit']
  done: number
  total: number
  bytesDone?: number
  bytesTotal?: number
  epoch?: number
  /** Event times (ms since epoch) of the first and the latest progress step of this stage. */
  startedAt: number
  updatedAt: number
  /** Work already done when the stage's clock started, so the rate ignores earlier work. */
  doneAtStart: number
}

export interface JobView {
  jobId: string
  state: JobState
  progress: Partial<Record<ProgressStage, StageProgress>>
  epochs: EpochMetrics[]
  logs: LogEvent[]
  report?: AnnotationReport
  result?: JobResult
  error?: AppError
  /** While queued: what the job waits for, in the server's words. */
  waitingFor?: string
  lastSeq: number
  startedAt?: number
  updatedAt?: number
}

/** Log lines kept in view; the full log stays on the server. */
export const LOG_LINES_KEPT = 200

export function emptyJobView(jobId: string, state: JobState = 'queued'): JobView {
  return { jobId, state, progress: {}, epochs: [], logs: [], lastSeq: -1 }
}

function foldProgress(
  previous: StageProgress | undefined,
  event: ProgressEvent,
  at: number,
): StageProgress {
  // A count that starts over (a per-epoch batch count at a new epoch, a new unit) starts a new
  // clock too; a count that keeps growing keeps its clock, so the rate stays steady.
  const restarted =
    previous !== undefined && (previous.unit !== event.unit || event.done < previous.done)
  const base = previous === undefined || restarted ? undefined : previous
  return {
    unit: event.unit,
    done: event.done,
    total: event.total,
    bytesDone: event.bytesDone,
    bytesTotal: event.bytesTotal,
    epoch: event.epoch,
    startedAt: base?.startedAt ?? at,
    updatedAt: at,
    doneAtStart: base?.doneAtStart ?? event.done,
  }
}

export function applyJobEvent(view: JobView, event: JobEvent): JobView {
  if (event.seq <= view.lastSeq) return view
  const at = Date.parse(event.at)
  const next: JobView = {
    ...view,
    lastSeq: event.seq,
    startedAt: view.startedAt ?? at,
    updatedAt: at,
  }
  switch (event.type) {
    case 'stage':
      // The reason a job waited stops being true once it leaves the queue.
      return {
        ...next,
        state: event.state,
        waitingFor: event.state === 'queued' ? next.waitingFor : undefined,
      }
    case 'queued':
      return { ...next, waitingFor: event.message }
    case 'progress':
      return {
        ...next,
        progress: {
          ...view.progress,
          [event.stage]: foldProgress(view.progress[event.stage], event, at),
        },
      }
    case 'epoch': {
      const { type: _type, seq: _seq, at: _at, ...metrics } = event
      // A replayed epoch replaces its earlier copy instead of adding a second point.
      const epochs = view.epochs.filter((e) => e.epoch !== metrics.epoch)
      epochs.push(metrics)
      epochs.sort((a, b) => a.epoch - b.epoch)
      return { ...next, epochs }
    }
    case 'log':
      return { ...next, logs: [...view.logs, event].slice(-LOG_LINES_KEPT) }
    case 'report':
      return { ...next, report: event.report }
    case 'result':
      return {
        ...next,
        result: event.result,
        report: event.result.report ?? view.report,
        error: event.result.error ?? view.error,
      }
    case 'error':
      return { ...next, error: event.error }
  }
}

export function foldJobEvents(jobId: string, events: readonly JobEvent[]): JobView {
  return [...events].sort((a, b) => a.seq - b.seq).reduce(applyJobEvent, emptyJobView(jobId))
}

/** Milliseconds left for a stage at its rate so far, or undefined while there is no rate yet. */
export function remainingMs(
  progress: StageProgress,
  now: number = progress.updatedAt,
): number | undefined {
  const doneSinceStart = progress.done - progress.doneAtStart
  const elapsed = Math.max(now, progress.updatedAt) - progress.startedAt
  if (progress.total <= 0 || progress.done >= progress.total)
    return progress.done >= progress.total ? 0 : undefined
  if (doneSinceStart <= 0 || elapsed <= 0) return undefined
  return ((progress.total - progress.done) * elapsed) / doneSinceStart
}

/** Milliseconds left for the whole training stage, from the time the finished epochs took. */
export function trainingRemainingMs(view: JobView): number | undefined {
  const last = view.epochs.at(-1)
  if (!last || last.epoch <= 0) return undefined
  if (last.epoch >= last.epochs) return 0
  return (last.elapsedMs / last.epoch) * (last.epochs - last.epoch)
}
