// Sending a trained model whose upload failed, without training again. Only the client's newest
// model on disk may go: one that a later job already replaced in the bucket never does, and the
// files are read from the client's own weights folder, never from a path a saved record names.

import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { modelBucketName } from '../../src-shared/client-names'
import { AppFailure, appError } from '../../src-shared/errors'
import type { JobSummary } from '../../src-shared/job-events'
import { localPaths, type Settings } from '../config/settings'
import type { Job } from './job'
import { clientBusy } from './job-join'
import { storeModel } from './store-model'
import { MODEL_FILES } from '../engine/worker/training-protocol'

/**
 * What a retry request meets when the client already has a job: a retried upload under way is
 * joined, anything else (a training run) must end first.
 */
export function joinRetry(active: Job | undefined): { job: Job; joined: true } | undefined {
  if (active?.retryOf !== undefined) return { job: active, joined: true }
  if (active) throw new AppFailure(clientBusy(active, 'retry the upload once it has ended'))
  return undefined
}

/**
 * The job whose model a retried upload sends: the client's newest job that left its model on
 * disk. `jobs` is the client's jobs, newest first; `requested` the id the caller named, if any.
 */
export async function modelToRetry(
  settings: Settings,
  client: string,
  jobs: JobSummary[],
  requested?: string,
): Promise<JobSummary> {
  const at = jobs.findIndex((job) => job.result?.localModelDir !== undefined)
  const source = jobs[at]
  if (!source)
    throw new AppFailure(
      appError('NO_MODEL_TO_UPLOAD', `client ${client} has no trained model waiting for upload`, {
        details: { client },
      }),
    )
  const stored = jobs.slice(0, at).find((job) => job.result?.Storing === 'Succesfull')
  if (stored)
    throw new AppFailure(
      appError(
        stored.retryOf === source.id ? 'NO_MODEL_TO_UPLOAD' : 'MODEL_SUPERSEDED',
        stored.retryOf === source.id
          ? `the model of job ${source.id} was already uploaded by job ${stored.id}`
          : `job ${stored.id} stored a newer model for ${client}; the older one is not uploaded over it`,
        { details: { client, jobId: source.id, storedBy: stored.id } },
      ),
    )
  if (requested !== undefined && requested !== source.id)
    throw new AppFailure(
      appError(
        'NO_MODEL_TO_UPLOAD',
        `job ${requested} has no model to upload; the newest model on disk for ${client} is job ${source.id}'s`,
        { field: 'id', details: { client, newest: source.id } },
      ),
    )
  const weights = localPaths(settings.home, client).weights
  const onDisk = await stat(join(weights, MODEL_FILES.keras)).catch(() => undefined)
  if (source.result?.localModelDir !== weights || !onDisk?.isFile())
    throw new AppFailure(
      appError('NO_MODEL_TO_UPLOAD', `the model of job ${source.id} is no longer in ${weights}`, {
        details: { client, jobId: source.id },
      }),
    )
  return source
}

/** Runs a retried upload: queued → uploading → done, with the source job's metrics. */
export async function runRetryUpload(
  job: Job,
  source: JobSummary,
  ctx: { settings: Settings; s3: S3Client },
): Promise<void> {
  const { weights, commits } = localPaths(ctx.settings.home, job.client)
  job.append({
    type: 'log',
    level: 'info',
    message: `uploading the model job ${source.id} trained, without training again`,
  })
  const result = source.result
  await storeModel(job, {
    s3: ctx.s3,
    bucket: modelBucketName(ctx.settings.bucketPrefix, job.client),
    weights,
    journalDir: commits,
    training: 'Skipped',
    versionsKept: ctx.settings.limits.modelVersionsKept,
    ...(result?.metrics !== undefined && { metrics: result.metrics }),
    ...(result?.skippedImageCount !== undefined && {
      skipped: {
        skippedImages: result.skippedImages ?? [],
        skippedImageCount: result.skippedImageCount,
      },
    }),
  })
}
