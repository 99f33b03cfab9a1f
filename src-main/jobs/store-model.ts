// The uploading stage, shared by a training job and a retried upload: publish the weights folder
// to the client's model bucket as one set (never half of one) under `runs/<job id>/`, and also to
// the root keys when the promotion policy says so (promotion-policy.ts); delete the local copy
// only once the set is confirmed, and end the job. A model whose upload failed or was interrupted stays on disk
// and the result says where; POST /api/jobs/:id/retry-upload sends it later without training.

import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { toAppError } from '../../src-shared/errors'
import type { TrainingMetrics } from '../../src-shared/job-events'
import { versionPrefix } from '../../src-shared/model-versions'
import { writeJsonAtomically } from '../platform/atomic-file'
import { objectExists, readJsonObject } from '../storage/model-versions'
import { publishFolder } from '../storage/publish-folder'
import type { Job, Outcome } from './job'
import { pruneModelVersions } from './model-version-catalog'
import { decidePromotion, type PromotionDecision, type StoredMetrics } from './promotion-policy'
import type { SkippedImages } from './skipped-images'
import { MODEL_FILES } from '../engine/worker/training-protocol'

/**
 * Adds the run's job id to the model's metrics.json, so the set names its run wherever it is
 * copied; answers what the file says.
 */
async function stampMetrics(weights: string, jobId: string): Promise<StoredMetrics | undefined> {
  const file = join(weights, MODEL_FILES.metrics)
  const text = await readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  let metrics: StoredMetrics
  try {
    metrics = JSON.parse(text) as StoredMetrics
  } catch {
    return undefined
  }
  if (metrics.jobId !== jobId) await writeJsonAtomically(file, { ...metrics, jobId })
  return { ...metrics, jobId }
}

/** The root set's metrics and the policy's answer, read once every file of the new set is staged. */
async function promotionFor(
  job: Job,
  s3: S3Client,
  bucket: string,
  fresh: StoredMetrics,
  jobId: string,
): Promise<PromotionDecision> {
  if (job.promote !== 'auto') return decidePromotion(job.promote, fresh, jobId, undefined, false)
  const storedModel = await objectExists(s3, bucket, MODEL_FILES.keras)
  const stored = storedModel
    ? ((await readJsonObject(s3, bucket, MODEL_FILES.metrics)) as StoredMetrics | undefined)
    : undefined
  return decidePromotion(
    'auto',
    fresh,
    jobId,
    typeof stored === 'object' && stored !== null ? stored : undefined,
    storedModel,
  )
}

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
  /** Versions kept beside the promoted one (settings.limits.modelVersionsKept); 0 or unset keeps all. */
  versionsKept?: number
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
  // A retried upload stores the model of the run that trained it, under that run's id.
  const versionId = job.retryOf ?? job.id
  let modelKeys
  let decision: PromotionDecision | undefined
  try {
    const fresh = (await stampMetrics(weights, versionId)) ?? { ...input.metrics, jobId: versionId }
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
      targets: async () => {
        decision = await promotionFor(job, s3, bucket, fresh, versionId)
        return decision.promoted ? [versionPrefix(versionId), ''] : [versionPrefix(versionId)]
      },
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
  if ((input.versionsKept ?? 0) > 0)
    await pruneModelVersions(s3, bucket, input.versionsKept ?? 0).then(
      (dropped) =>
        dropped.length > 0 &&
        job.append({
          type: 'log',
          level: 'info',
          message: `removed ${dropped.length} older model version(s): ${dropped.join(', ')}`,
        }),
      (err: unknown) =>
        job.append({
          type: 'log',
          level: 'warn',
          message: `could not remove older model versions: ${toAppError(err).message}`,
        }),
    )
  if (decision)
    job.append({
      type: 'log',
      level: decision.promoted ? 'info' : 'warn',
      message: decision.promoted
        ? `promoted to the stored model: ${decision.promotion.reason}`
        : `stored under ${versionPrefix(versionId)} only, not promoted: ${decision.promotion.reason}`,
    })
  job.finish({
    ...common,
    state: 'done',
    Storing: 'Succesfull',
    modelKeys,
    ...(decision && { promoted: decision.promoted, promotion: decision.promotion }),
  })
}
