// Upload of a local folder (the trained model's files) into a bucket. Large files go up in
// multipart chunks. Every object is confirmed with HeadObject before the call returns, because
// the caller deletes the local files on the strength of that confirmation.

import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import pLimit from 'p-limit'
import { AppFailure, appError, type AppError } from '../../src-shared/errors'
import type { ModelFile } from '../../src-shared/job-events'
import { AbortGroup } from './abort-group'
import { ensureBucket } from './bucket-objects'
import { listLocalFiles } from './local-tree'
import { progressCounter, type MirrorProgress } from './progress-throttle'
import { describeS3Error } from './s3-client'

export { ensureBucket, listObjects } from './bucket-objects'

export interface UploadFolderOptions {
  s3: S3Client
  bucket: string
  folder: string
  /** Prepended to every key, e.g. `runs/42/`. */
  keyPrefix?: string
  createBucket?: boolean
  /** Files uploaded at once (default 8). */
  concurrency?: number
  /** Multipart chunk size in bytes (S3's minimum, 5 MiB, is the default and the floor). */
  partSize?: number
  signal?: AbortSignal
  onProgress?: (p: MirrorProgress) => void
}

/** Unreachable store and interruption keep their own codes; every other failure is UPLOAD_FAILED. */
export function uploadFailure(err: unknown, bucket: string, key?: string): AppFailure {
  const described =
    err instanceof AppFailure
      ? err.error
      : describeS3Error(err, { bucket, ...(key ? { key } : {}) })
  if (['S3_UNREACHABLE', 'INTERRUPTED', 'UPLOAD_FAILED'].includes(described.code))
    return err instanceof AppFailure ? err : new AppFailure(described)
  const failure: AppError = {
    ...described,
    code: 'UPLOAD_FAILED',
    message: `Upload to ${key ? `s3://${bucket}/${key}` : `bucket "${bucket}"`} failed: ${described.message}`,
    details: { ...described.details, bucket, reason: described.code },
  }
  return new AppFailure(failure)
}

async function confirmUploaded(
  s3: S3Client,
  bucket: string,
  key: string,
  bytes: number,
  signal: AbortSignal,
): Promise<void> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
    abortSignal: signal,
  })
  if (head.ContentLength !== bytes)
    throw new AppFailure(
      appError(
        'UPLOAD_FAILED',
        `s3://${bucket}/${key} holds ${head.ContentLength ?? 'no'} bytes after upload, expected ${bytes}`,
        { file: key, details: { bucket, expected: bytes, stored: head.ContentLength } },
      ),
    )
}

export async function uploadFolder(opts: UploadFolderOptions): Promise<ModelFile[]> {
  const { s3, bucket, signal } = opts
  const interrupted = () =>
    new AppFailure(
      appError('INTERRUPTED', `Upload to bucket "${bucket}" was interrupted`, {
        details: { bucket },
      }),
    )
  if (signal?.aborted) throw interrupted()

  const folder = await stat(opts.folder).catch(() => undefined)
  if (!folder?.isDirectory())
    throw new AppFailure(
      appError('UPLOAD_FAILED', `Nothing to upload: ${opts.folder} is not a folder`, {
        file: opts.folder,
        details: { bucket },
      }),
    )
  const local = [...(await listLocalFiles(opts.folder))]
    .filter(([, entry]) => entry.regular)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (opts.createBucket)
    await ensureBucket(s3, bucket).catch((e) => Promise.reject(uploadFailure(e, bucket)))

  const progress = progressCounter(
    {
      filesDone: 0,
      filesTotal: local.length,
      bytesDone: 0,
      bytesTotal: local.reduce((sum, [, e]) => sum + e.bytes, 0),
    },
    opts.onProgress,
  )
  progress.flush()

  // One controller per file (see AbortGroup): a shared one would collect a listener per request.
  const group = new AbortGroup(signal)
  const limit = pLimit(Math.max(1, opts.concurrency ?? 8))
  let firstError: unknown
  const uploaded: ModelFile[] = []

  const uploadOne = async (relative: string, path: string, bytes: number) => {
    const key = (opts.keyPrefix ?? '') + relative
    let reported = 0
    const body = createReadStream(path)
    try {
      await group.run(async (own) => {
        const upload = new Upload({
          client: s3,
          params: { Bucket: bucket, Key: key, Body: body, ContentLength: bytes },
          partSize: Math.max(opts.partSize ?? 0, 5 * 1024 * 1024),
          abortController: own,
        })
        upload.on('httpUploadProgress', (p) => {
          const loaded = p.loaded ?? 0
          progress.addBytes(loaded - reported)
          reported = loaded
        })
        await upload.done()
        await confirmUploaded(s3, bucket, key, bytes, own.signal)
      })
      progress.addBytes(bytes - reported)
      progress.addFile()
      uploaded.push({ key, bytes })
    } catch (err) {
      firstError ??= uploadFailure(err, bucket, key)
      group.abort()
    } finally {
      // A failed or aborted upload may never finish reading the file; release it either way.
      body.destroy()
    }
  }

  try {
    await Promise.all(
      local.map(([relative, entry]) =>
        limit(() => (group.aborted ? undefined : uploadOne(relative, entry.path, entry.bytes))),
      ),
    )
  } finally {
    group.close()
  }
  if (signal?.aborted) throw interrupted()
  if (firstError !== undefined) throw firstError
  progress.flush()
  return uploaded.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}
