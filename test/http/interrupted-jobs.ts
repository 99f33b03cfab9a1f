// Jobs interrupted mid-run for the resume tests: a run started without waiting, stopped through
// /interrupt once its checkpoint holds enough epochs, so `resume=<job id>` has something to resume.

import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'vitest'
import { rawRequest, until, type TestServer } from './server-fixture'

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

/**
 * Starts `url` (a /progress request with wait=false), waits until at least `epochs` epochs ran and
 * a checkpoint is written, then interrupts `client`'s job; returns the job's id.
 */
export async function interruptedJob(
  server: TestServer,
  url: string,
  client: string,
  epochs: number,
  timeoutMs: number,
): Promise<string> {
  const started = await rawRequest(server.port, url)
  expect(started.status).toBe(202)
  const { jobId } = started.json<{ jobId: string }>()
  const manifest = join(server.home, 'checkpoints', jobId, 'checkpoint.json')
  await until(async () => {
    const seen = server.core.jobs
      .liveJob(jobId)
      ?.log.all()
      .filter((e) => e.type === 'epoch').length
    return (seen ?? 0) >= epochs && (await exists(manifest))
  }, timeoutMs)
  const stopped = await rawRequest(server.port, `/interrupt?bucket_name=${client}`)
  expect(stopped.status).toBe(200)
  return jobId
}
