// GET /api/jobs in pages: newest first, `limit` at a time, each page ending with the id to ask
// the next one `before`. An id is a stable cursor: jobs started meanwhile do not shift the pages.

import { AppFailure, appError } from '../../src-shared/errors'
import { JOB_PAGE_LIMIT, type JobPage } from '../../src-shared/http-api'
import type { JobSummary } from '../../src-shared/job-events'

export interface JobPageQuery {
  limit?: number
  before?: string
}

/** The page of `sorted` (newest first) that the query asks for. */
export function jobPage(sorted: readonly JobSummary[], query: JobPageQuery): JobPage {
  const limit = query.limit ?? JOB_PAGE_LIMIT.default
  if (!Number.isInteger(limit) || limit < 1 || limit > JOB_PAGE_LIMIT.max)
    throw new AppFailure(
      appError(
        'INVALID_PARAMETER',
        `limit must be a whole number from 1 to ${JOB_PAGE_LIMIT.max}`,
        {
          field: 'limit',
        },
      ),
    )
  let start = 0
  if (query.before !== undefined) {
    const at = sorted.findIndex((job) => job.id === query.before)
    if (at < 0)
      throw new AppFailure(
        appError('INVALID_PARAMETER', 'before must be the id of a listed job', { field: 'before' }),
      )
    start = at + 1
  }
  const jobs = sorted.slice(start, start + limit)
  const last = jobs.at(-1)
  return start + limit < sorted.length && last !== undefined ? { jobs, next: last.id } : { jobs }
}
