// At start, before any job runs: model sets whose commit the app was stopped in the middle of are
// finished from their journal, and the jobs that were uploading when it stopped end saying what
// became of their model: stored (the commit was finished, the local copy goes as after any
// confirmed upload), or kept on disk under `localModelDir` so a retried upload can send it.

import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { modelBucketName } from '../../src-shared/client-names'
import type { ModelFile } from '../../src-shared/job-events'
import { localPaths, type Settings } from '../config/settings'
import { isVersionKey } from '../storage/model-versions'
import { resumeCommits, type CommitRecovery } from '../storage/publish-folder'
import type { Outcome } from './job'
import type { StoppedJobEnding } from './run-history'
import { MODEL_FILES } from '../engine/worker/training-protocol'

/** A store that does not answer must not hold up the start; the next publish finishes the rest. */
const RECOVERY_DEADLINE_MS = 30_000

/** Finishes every journaled commit; the outcomes by staging id (the id of the job that began it). */
export async function recoverCommits(
  settings: Settings,
  s3: S3Client,
  deadlineMs = RECOVERY_DEADLINE_MS,
): Promise<Map<string, CommitRecovery>> {
  let recoveries: CommitRecovery[] = []
  try {
    recoveries = await resumeCommits(
      s3,
      localPaths(settings.home, '').commits,
      AbortSignal.timeout(deadlineMs),
    )
  } catch (err) {
    console.error('could not finish the model commits left unfinished:', err)
  }
  for (const r of recoveries)
    if (r.outcome !== 'finished')
      console.warn(
        `commit of s3://${r.bucket} (job ${r.stagingId}) ${r.outcome}: ${r.error.message}`,
      )
  return new Map(recoveries.map((r) => [r.stagingId, r]))
}

/** True when the folder holds exactly the sizes of the committed set's files (it is that model). */
async function holdsSet(folder: string, files: ModelFile[]): Promise<boolean> {
  for (const file of files) {
    // A run's copy (`runs/<job id>/<file>`) is the same file as the folder's `<file>`.
    const parts = file.key.split('/').slice(isVersionKey(file.key) ? 2 : 0)
    const local = await stat(join(folder, ...parts)).catch(() => undefined)
    if (!local?.isFile() || local.size !== file.bytes) return false
  }
  return files.length > 0
}

/** How jobs the app stopped while they were uploading end, given what recovery did. */
export function endStoppedUpload(
  settings: Settings,
  recoveries: Map<string, CommitRecovery>,
): StoppedJobEnding {
  return async (job, stopped) => {
    if (job.state !== 'uploading') return undefined
    const { weights } = localPaths(settings.home, job.client)
    const bucket = modelBucketName(settings.bucketPrefix, job.client)
    const training: Outcome = job.retryOf !== undefined ? 'Skipped' : 'Succesfull'
    const recovery = recoveries.get(job.id)
    if (recovery?.outcome === 'finished') {
      job.append({
        type: 'log',
        level: 'info',
        message: `the app stopped while the model was being committed to s3://${recovery.bucket}; the commit was finished when it started again`,
      })
      if (await holdsSet(weights, recovery.files))
        await rm(weights, { recursive: true, force: true }).catch(() => undefined)
      return {
        state: 'done',
        Training: training,
        Storing: 'Succesfull',
        modelBucket: recovery.bucket,
        modelKeys: recovery.files,
      }
    }
    if (recovery)
      job.append({
        type: 'log',
        level: 'warn',
        message:
          recovery.outcome === 'pending'
            ? `the commit of the model to s3://${bucket} could not be finished at start (${recovery.error.message}); it is finished before the next upload to that bucket`
            : `the commit of the model to s3://${bucket} cannot be finished (${recovery.error.message}); upload the model again`,
      })
    const kept = await stat(join(weights, MODEL_FILES.keras)).then(
      (s) => s.isFile(),
      () => false,
    )
    return {
      state: 'interrupted',
      Training: training,
      Storing: 'Interrupted',
      error: stopped,
      modelBucket: bucket,
      ...(kept && { localModelDir: weights }),
    }
  }
}
