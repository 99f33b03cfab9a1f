// Where jobs run when they do not run in this process: the job service hands new jobs to a
// dispatch (the fleet's BullMQ queue) and follows them there. The service keeps its rules (the
// join rule, the run history, interrupt); the dispatch keeps one job per client across every
// server and feeds each job's log from the one event log the workers append to.

import type { Job } from './job'

export interface JobDispatch {
  /**
   * Puts a new job on the shared queue. When the client already has a job there, nothing is
   * added and that job (a copy whose log follows the original) is returned instead.
   */
  submit(job: Job): Promise<Job>
  /**
   * Feeds the job's log from the shared event log until its result; aborting the job's
   * controller asks whoever holds it to stop. Resolves once the result is in the log, or when
   * the dispatch closes (the job then goes on elsewhere).
   */
  follow(job: Job): Promise<void>
  /** A job of the shared queue by id (queued, running or ended), or undefined. */
  attach(id: string): Promise<Job | undefined>
  /** The client's job on the shared queue, if it has one. */
  activeOf(client: string): Promise<Job | undefined>
  /** Every job queued or running on the shared queue now (a restarted server re-attaches). */
  activeJobs(): Promise<Job[]>
  close(): Promise<void>
}
