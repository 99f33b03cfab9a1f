// What the UI lists about clients: their dataset buckets with the latest job of each (and the
// overview client-overview.ts adds), the files
// in their model bucket (and each one's download), and thumbnails of their locally mirrored images.

import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { modelBucketName } from '../../src-shared/client-names'
import { AppFailure, appError, toAppError } from '../../src-shared/errors'
import type { ClientSummary } from '../../src-shared/http-api'
import type { JobSummary, ModelFile } from '../../src-shared/job-events'
import { classificationMetrics, validationScore } from '../../src-shared/tasks/task-metrics'
import { localPaths, type Settings } from '../config/settings'
import { thumbnail } from '../dataset/thumbnails'
import { withOverview } from './client-overview'
import { clientTrainType } from './client-train-type'
import { listClientBuckets } from '../storage/list-client-buckets'
import { isStagingKey } from '../storage/publish-folder'
import { openObject, type ObjectStream } from '../storage/model-objects'
import { isRootModelKey } from '../storage/model-versions'
import { listObjects } from '../storage/upload-folder'

/**
 * Dataset buckets under the prefix, each with its latest job (`jobs` newest first).
 * `valAccuracyOf` answers for jobs still running, whose result has no metrics yet.
 */
export async function listClients(
  settings: Settings,
  s3: S3Client,
  jobs: JobSummary[],
  valAccuracyOf: (job: JobSummary) => number | undefined,
): Promise<ClientSummary[]> {
  const buckets = await listClientBuckets(s3, settings.bucketPrefix)
  const latest = new Map<string, JobSummary>()
  for (const job of jobs) if (!latest.has(job.client)) latest.set(job.client, job)
  const rows = buckets.map(({ client, bucket }): ClientSummary => {
    const last = latest.get(client)
    const metrics = last?.result?.metrics
    const valAccuracy =
      last && (classificationMetrics(metrics)?.finalValAccuracy ?? valAccuracyOf(last))
    const valMap50 =
      metrics !== undefined && classificationMetrics(metrics) === undefined
        ? validationScore(metrics)
        : undefined
    return {
      client,
      datasetBucket: bucket,
      modelBucket: modelBucketName(settings.bucketPrefix, client),
      trainType: clientTrainType(settings, client, jobs),
      ...(last && {
        lastJob: {
          id: last.id,
          state: last.state,
          ...(valAccuracy !== undefined && { valAccuracy }),
          ...(valMap50 !== undefined && { valMap50 }),
          updatedAt: last.updatedAt,
        },
      }),
    }
  })
  return Promise.all(rows.map((row) => withOverview(settings, s3, row, jobs)))
}

/** The files in the client's model bucket (none when the bucket does not exist yet). */
export async function listModelFiles(
  settings: Settings,
  s3: S3Client,
  client: string,
): Promise<ModelFile[]> {
  try {
    const objects = await listObjects(s3, modelBucketName(settings.bucketPrefix, client))
    // Staged files belong to an upload still under way (or one cut short), and runs/ holds the
    // kept versions: neither is the stored model.
    return objects
      .filter(({ key }) => isRootModelKey(key))
      .map(({ key, bytes }) => ({ key, bytes }))
  } catch (err) {
    if (toAppError(err).code === 'BUCKET_NOT_FOUND') return []
    throw err
  }
}

/**
 * One file of the client's model bucket as a stream: the stored model's files and those of every
 * kept version (`runs/<job id>/`). Only keys the bucket lists are served, never a staged upload.
 */
export async function openModelFile(
  settings: Settings,
  s3: S3Client,
  client: string,
  key: string,
): Promise<ObjectStream & { key: string }> {
  const objects = await listObjects(s3, modelBucketName(settings.bucketPrefix, client)).catch(
    (err: unknown) => {
      if (toAppError(err).code === 'BUCKET_NOT_FOUND') return []
      throw err
    },
  )
  if (isStagingKey(key) || !objects.some((object) => object.key === key))
    throw new AppFailure(
      appError('MODEL_FILE_NOT_FOUND', `the model bucket of ${client} lists no such file`, {
        field: 'key',
      }),
    )
  return { key, ...(await openObject(s3, modelBucketName(settings.bucketPrefix, client), key)) }
}

/** A cached thumbnail of one image of the client's local dataset. */
export function clientThumbnail(settings: Settings, client: string, file: string, size?: number) {
  const imagesDir = join(localPaths(settings.home, client).dataset, 'images')
  const cacheDir = join(settings.home, 'cache', 'thumbnails', client)
  return thumbnail(imagesDir, file, cacheDir, size)
}
