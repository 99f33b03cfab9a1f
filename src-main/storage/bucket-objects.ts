// Bucket-level reads and the one write a bucket itself needs: listing every object (all pages)
// and making sure a bucket exists. Shared by the mirror (download) and the model upload.

import {
  CreateBucketCommand,
  HeadBucketCommand,
  ListObjectsCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3'
import { AppFailure } from '../../src-shared/errors'
import { describeS3Error } from './s3-client'

export interface BucketObject {
  key: string
  bytes: number
  /** Without the surrounding quotes S3 puts on ETags. */
  etag: string
  lastModified?: string
}

/** S3 quotes ETags in headers and listings alike; compare them bare. */
export function bareEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/^"|"$/g, '')
}

/**
 * Every object in the bucket, paging through the listing. Uses the marker-based ListObjects:
 * every S3-compatible store supports it, while s3rver's ListObjectsV2 continuation tokens are
 * DES-encrypted and fail on current Node (OpenSSL 3 dropped DES), capping it at 1,000 keys.
 */
export async function listObjects(
  s3: S3Client,
  bucket: string,
  signal?: AbortSignal,
): Promise<BucketObject[]> {
  const objects: BucketObject[] = []
  let marker: string | undefined
  try {
    for (;;) {
      const page = await s3.send(new ListObjectsCommand({ Bucket: bucket, Marker: marker }), {
        abortSignal: signal,
      })
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue
        objects.push({
          key: o.Key,
          bytes: o.Size ?? 0,
          etag: bareEtag(o.ETag),
          ...(o.LastModified ? { lastModified: o.LastModified.toISOString() } : {}),
        })
      }
      const last = page.Contents?.at(-1)?.Key
      // Without a delimiter S3 omits NextMarker: the last key is where the next page starts.
      const next = page.NextMarker ?? last
      if (!page.IsTruncated || next === undefined || next === marker) break
      marker = next
    }
  } catch (err) {
    throw new AppFailure(describeS3Error(err, { bucket }))
  }
  return objects
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
  return e.name === 'NotFound' || e.name === 'NoSuchBucket' || e.$metadata?.httpStatusCode === 404
}

/** Creates the bucket unless it already exists (a bucket we already own counts as existing). */
export async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }))
    return
  } catch (err) {
    if (!isMissing(err)) throw new AppFailure(describeS3Error(err, { bucket }))
  }
  const region = await s3.config.region()
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 is the one region that refuses an explicit location constraint.
        ...(region && region !== 'us-east-1'
          ? {
              CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint },
            }
          : {}),
      }),
    )
  } catch (err) {
    if ((err as { name?: string }).name === 'BucketAlreadyOwnedByYou') return
    throw new AppFailure(describeS3Error(err, { bucket }))
  }
}
