// Which run records are kept. A job that never started leaves none: it failed before anything was
// fetched or trained because the request itself cannot be served (its dataset bucket does not
// exist, or a parameter was refused), so its record would only say what the answer already said.
// Of the others, each client keeps its newest `runRetention` records; older ones go at job end.

import { isTerminal, type JobSummary } from '../../src-shared/job-events'
import { newestFirst } from './run-history'

/** Errors that mean the request could never have run, whenever it was sent. */
const NEVER_STARTED_CODES = new Set([
  'BUCKET_NOT_FOUND',
  'INVALID_CLIENT_NAME',
  'INVALID_TRAIN_TYPE',
  'INVALID_PARAMETER',
  'TRAINING_TOO_LARGE',
])

/** Stages a job that never started may have been in. */
const BEFORE_START = new Set(['queued', 'syncing'])

/** A job that failed, while queued or syncing, with an error that says it could never run. */
export function neverStarted(summary: JobSummary): boolean {
  const result = summary.result
  if (summary.state !== 'failed' || result?.error === undefined) return false
  if (!NEVER_STARTED_CODES.has(result.error.code)) return false
  return Object.keys(result.timings).every((stage) => BEFORE_START.has(stage))
}

/** Ids of the client's finished runs beyond the newest `keep`. */
export function runsBeyondRetention(
  summaries: readonly JobSummary[],
  client: string,
  keep: number,
): string[] {
  return summaries
    .filter((summary) => summary.client === client && isTerminal(summary.state))
    .sort(newestFirst)
    .slice(keep)
    .map((summary) => summary.id)
}
