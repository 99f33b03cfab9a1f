// A model bucket's versions: each run's set under `runs/<job id>/`, and the root keys (the stored
// model) beside them. Promoting a version copies its set to the root through the same staged,
// journaled commit as an upload, so the root is never a mix of two versions, even after a kill.

import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { AppFailure, appError, toAppError } from '../../src-shared/errors'
import type { ModelFile } from '../../src-shared/job-events'
import { RUNS_PREFIX, versionPrefix } from '../../src-shared/model-versions'
import { listObjects, type BucketObject } from './bucket-objects'
import { commitStagedSet, isStagingKey, resumeCommit } from './publish-folder'
import { uploadFailure } from './upload-folder'

/** Biggest JSON file (metrics.json, labels.json) read back from a bucket. */
const MAX_JSON_BYTES = 8 * 1024 * 1024

export function isVersionKey(key: string): boolean {
  return key.startsWith(RUNS_PREFIX)
}

/** Keys that belong to the stored model: neither a staged upload nor a kept version. */
export function isRootModelKey(key: string): boolean {
  return !isStagingKey(key) && !isVersionKey(key)
}

export interface StoredVersion {
  jobId: string
  prefix: string
  files: BucketObject[]
}

export interface BucketVersions {
  root: BucketObject[]
  versions: StoredVersion[]
}

/** The bucket's root set and its versions; both empty when the bucket does not exist yet. */
export async function listBucketVersions(s3: S3Client, bucket: string): Promise<BucketVersions> {
  let objects: BucketObject[]
  try {
    objects = await listObjects(s3, bucket)
  } catch (err) {
    if (toAppError(err).code === 'BUCKET_NOT_FOUND') return { root: [], versions: [] }
    throw err
  }
  const byJob = new Map<string, BucketObject[]>()
  for (const object of objects) {
    if (!isVersionKey(object.key)) continue
    const rest = object.key.slice(RUNS_PREFIX.length)
    const slash = rest.indexOf('/')
    if (slash <= 0) continue
    const jobId = rest.slice(0, slash)
    byJob.set(jobId, [...(byJob.get(jobId) ?? []), object])
  }
  return {
    root: objects.filter((o) => isRootModelKey(o.key)),
    versions: [...byJob].map(([jobId, files]) => ({ jobId, prefix: versionPrefix(jobId), files })),
  }
}

/** A JSON object of the bucket, parsed; undefined when it is missing, too big or not JSON. */
export async function readJsonObject(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    if ((got.ContentLength ?? 0) > MAX_JSON_BYTES) return undefined
    return JSON.parse(await (got.Body?.transformToString('utf8') ?? Promise.resolve(''))) as unknown
  } catch (err) {
    if (err instanceof SyntaxError || isMissing(err)) return undefined
    throw uploadFailure(err, bucket, key)
  }
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
  return (
    e.name === 'NotFound' ||
    e.name === 'NoSuchKey' ||
    e.name === 'NoSuchBucket' ||
    e.$metadata?.httpStatusCode === 404
  )
}

/** Whether the bucket holds the key (false when the bucket does not exist). */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    return true
  } catch (err) {
    if (isMissing(err)) return false
    throw uploadFailure(err, bucket, key)
  }
}

/** Deletes every object of a kept version. */
export async function deleteVersion(
  s3: S3Client,
  bucket: string,
  version: StoredVersion,
): Promise<void> {
  for (const file of version.files)
    await s3
      .send(new DeleteObjectCommand({ Bucket: bucket, Key: file.key }))
      .catch((err: unknown) => Promise.reject(uploadFailure(err, bucket, file.key)))
}

export interface PromoteVersionOptions {
  s3: S3Client
  bucket: string
  jobId: string
  journalDir: string
}

/** Copies `runs/<job id>/`'s whole set to the root keys, all or nothing. */
export async function promoteStoredVersion(opts: PromoteVersionOptions): Promise<ModelFile[]> {
  const { s3, bucket, jobId, journalDir } = opts
  const earlier = await resumeCommit(s3, journalDir, bucket)
  if (earlier?.outcome === 'pending') throw new AppFailure(earlier.error)
  const prefix = versionPrefix(jobId)
  const { versions } = await listBucketVersions(s3, bucket)
  const version = versions.find((v) => v.jobId === jobId)
  if (!version?.files.some((f) => f.key === `${prefix}model.h5`))
    throw new AppFailure(
      appError('MODEL_VERSION_NOT_FOUND', `s3://${bucket} keeps no model of job ${jobId}`, {
        field: 'jobId',
        details: { bucket, jobId },
      }),
    )
  return commitStagedSet(
    { s3, bucket, stagingId: `promote-${jobId}`, journalDir },
    async (staging) => {
      const staged: ModelFile[] = []
      for (const file of version.files) {
        const key = staging + file.key.slice(prefix.length)
        // Server-side copies: the version's bytes never travel through the app.
        await s3
          .send(
            new CopyObjectCommand({
              Bucket: bucket,
              Key: key,
              CopySource: `${bucket}/${file.key.split('/').map(encodeURIComponent).join('/')}`,
            }),
          )
          .catch((err: unknown) => Promise.reject(uploadFailure(err, bucket, key)))
        staged.push({ key, bytes: file.bytes })
      }
      return staged
    },
  )
}
