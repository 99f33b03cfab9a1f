// Reading single objects of a model bucket: whole (the small files a predictor caches) or as a
// stream (a download the UI offers). A read can be pinned to the ETag the listing showed, so a
// model replaced in between is noticed instead of mixing files of two models.

import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { Readable } from 'node:stream'
import { AppFailure, appError } from '../../src-shared/errors'
import { s3Failure } from './s3-client'

export interface ObjectStream {
  body: Readable
  bytes: number | undefined
}

function changedSinceListing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
  return e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412
}

/** One object as a stream; `etag` (bare) refuses a newer object with MODEL_CHANGED. */
export async function openObject(
  s3: S3Client,
  bucket: string,
  key: string,
  etag?: string,
): Promise<ObjectStream> {
  try {
    const response = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(etag !== undefined && { IfMatch: `"${etag}"` }),
      }),
    )
    return { body: response.Body as Readable, bytes: response.ContentLength }
  } catch (err) {
    if (changedSinceListing(err))
      throw new AppFailure(
        appError('MODEL_CHANGED', `${key} changed in ${bucket} while it was read`, { file: key }),
      )
    throw s3Failure(err, { bucket, key })
  }
}

/** One object's bytes. */
export async function readObject(
  s3: S3Client,
  bucket: string,
  key: string,
  etag?: string,
): Promise<Uint8Array> {
  const { body } = await openObject(s3, bucket, key, etag)
  const chunks: Buffer[] = []
  try {
    for await (const chunk of body) chunks.push(chunk as Buffer)
  } catch (err) {
    throw s3Failure(err, { bucket, key })
  }
  return Buffer.concat(chunks)
}
