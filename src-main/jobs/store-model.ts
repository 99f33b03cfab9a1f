// The uploading stage, shared by a training job and a retried upload: publish the weights folder
// to the client's model bucket as one set (never half of one), delete the local copy only once the
// set is confirmed, and end the job. A model whose upload failed or was interrupted stays on disk
// and the result says where; POST /api/jobs/:id/retry-upload sends it later without training.

import { rm } from 'node:fs/promises'
import type { S3Client } from '@aws-sdk/client-s3'
import { toAppError } from '../../src-shared/errors'
import type { TrainingMetrics } from '../../src-shared/job-events'
import { publishFolder } from '../storage/publish-folder'
import type { Job, Outcome } from './job'
import type { SkippedImages } from './skipped-images'

export interface StoreModelInput {
  s3: S3Client
  bucket: string
  /** The folder holding model.h5 and the other exports. */
  weights: string
  /** Where the commit of the set is journaled (`<home>/commits`). */
  journalDir: string
  /** What the result says about training ('Skipped' for a retried upload). */
  training: Outcome
  metrics?: TrainingMetrics
  skipped?: SkippedImages
}

/** Moves the job to 'uploading', uploads, and finishes the job whatever happens. */
export async function storeModel(job: Job, input: StoreModelInput): Promise<void> {
  const { s3, bucket, weights } = input
  const signal = job.controller.signal
  const common = {
    Training: input.training,
    modelBucket: bucket,
    ...(input.metrics !== undefined && { metrics: input.metrics }),
    ...(input.skipped !== undefined && input.skipped.skippedImageCount > 0 && input.skipped),
  }
  job.transition('uploading')
  job.append({ type: 'log', level: 'info', message: `uploading ${weights} to s3://${bucket}` })
  let modelKeys
  try {
    // Not cut short by abortable(): an interrupted upload first removes what it staged, so the
    // job ends only once the bucket is back as it was.
    modelKeys = await publishFolder({
      s3,
      bucket,
      folder: weights,
      createBucket: true,
      stagingId: job.id,
      journalDir: input.journalDir,
      signal,
      onProgress: (p) =>
        job.append({
          type: 'progress',
          stage: 'uploading',
          unit: 'files',
          done: p.filesDone,
          total: p.filesTotal,
          bytesDone: p.bytesDone,
          bytesTotal: p.bytesTotal,
        }),
    })
  } catch (err) {
    const interrupted = signal.aborted
    job.finish({
      ...common,
      state: interrupted ? 'interrupted' : 'failed',
      Storing: interrupted ? 'Interrupted' : 'Failed',
      error: toAppError(interrupted ? signal.reason : err),
      localModelDir: weights,
    })
    return
  }
  if (signal.aborted)
    job.append({
      type: 'log',
      level: 'info',
      message: 'the interrupt came once every file was uploaded; the model was stored',
    })
  // Confirmed in the bucket (every object is checked): only now may the local copy go.
  await rm(weights, { recursive: true, force: true }).catch((err: unknown) =>
    job.append({
      type: 'log',
      level: 'warn',
      message: `could not remove ${weights}: ${String(err)}`,
    }),
  )
  job.finish({ ...common, state: 'done', Storing: 'Succesfull', modelKeys })
}
