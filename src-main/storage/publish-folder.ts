// Publishing a folder (a trained model's files) into a bucket so that the bucket never holds half
// a set: every file is uploaded under a staging prefix and confirmed first, and only when all are
// there are they copied to their final keys. An upload that fails or is interrupted removes what it
// staged and leaves the final keys as they were. The copies run server-side in a moment and are
// not interrupted; model.h5 comes last, so a reader that waits for it finds the rest in place.

import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { AppFailure, appError } from '../../src-shared/errors'
import type { ModelFile } from '../../src-shared/job-events'
import { listObjects } from './bucket-objects'
import { uploadFailure, uploadFolder, type UploadFolderOptions } from './upload-folder'

/** Keys under this prefix are unfinished uploads, never a model; listings leave them out. */
export const STAGING_PREFIX = '.staging/'

/** How long clean-up of staged files may take; it must not hold up the end of a job. */
const CLEANUP_TIMEOUT_MS = 5000

/** The file readers wait for: copied last. */
const LAST_KEY = 'model.h5'

export interface PublishFolderOptions extends Omit<UploadFolderOptions, 'keyPrefix'> {
  /** Names this publication's staging area (a job id: letters, digits and hyphens). */
  stagingId: string
}

export function isStagingKey(key: string): boolean {
  return key.startsWith(STAGING_PREFIX)
}

function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`
}

/** Deletes every staged object under `prefix`; failures are ignored (the next publish retries). */
async function removeStaged(s3: S3Client, bucket: string, prefix: string): Promise<void> {
  try {
    const signal = AbortSignal.timeout(CLEANUP_TIMEOUT_MS)
    const staged = (await listObjects(s3, bucket, signal)).filter((o) => o.key.startsWith(prefix))
    for (const object of staged)
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.key }), {
        abortSignal: signal,
      })
  } catch {
    // Staged objects are invisible to readers of the model; leaving some behind is harmless.
  }
}

async function commit(
  s3: S3Client,
  bucket: string,
  staging: string,
  staged: ModelFile[],
): Promise<ModelFile[]> {
  const order = [...staged].sort(
    (a, b) => Number(a.key === staging + LAST_KEY) - Number(b.key === staging + LAST_KEY),
  )
  const published: ModelFile[] = []
  for (const file of order) {
    const key = file.key.slice(staging.length)
    try {
      await s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: key,
          CopySource: copySource(bucket, file.key),
        }),
      )
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
      if (head.ContentLength !== file.bytes)
        throw new AppFailure(
          appError(
            'UPLOAD_FAILED',
            `s3://${bucket}/${key} holds ${head.ContentLength ?? 'no'} bytes after publishing, expected ${file.bytes}`,
            { file: key, details: { bucket, expected: file.bytes, stored: head.ContentLength } },
          ),
        )
    } catch (err) {
      throw uploadFailure(err, bucket, key)
    }
    published.push({ key, bytes: file.bytes })
  }
  return published.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/**
 * Uploads the folder's files to `<bucket>/<key>` as one set. Interruptible (through `signal`)
 * until every file is staged; after that the set is committed whatever happens to the signal.
 */
export async function publishFolder(opts: PublishFolderOptions): Promise<ModelFile[]> {
  const { s3, bucket, stagingId } = opts
  if (!/^[a-z0-9][a-z0-9-]*$/.test(stagingId))
    throw new AppFailure(
      appError('UPLOAD_FAILED', `"${stagingId.slice(0, 60)}" cannot name a staging area`, {
        details: { bucket },
      }),
    )
  const staging = `${STAGING_PREFIX}${stagingId}/`
  let staged: ModelFile[]
  try {
    staged = await uploadFolder({ ...opts, keyPrefix: staging })
  } catch (err) {
    await removeStaged(s3, bucket, staging)
    throw err
  }
  const published = await commit(s3, bucket, staging, staged)
  // Also clears what earlier publications left when the app stopped in the middle of them.
  await removeStaged(s3, bucket, STAGING_PREFIX)
  return published
}
