// The one place S3 clients are made, and the one mapping from SDK failures to the app's stable
// error codes (S3_UNREACHABLE, BUCKET_NOT_FOUND, ACCESS_DENIED, S3_ERROR, INTERRUPTED).

import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { appError, type AppError, AppFailure } from '../../src-shared/errors'

export interface S3ClientOptions {
  /** Endpoint of an S3-compatible store; undefined means AWS S3 itself. */
  endpoint?: string
  region: string
  /** Fixed credentials; without them the standard AWS credential chain applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string }
  /** A named profile of the shared AWS config files, used by the credential chain. */
  profile?: string
  /** Attempts per request including the first (default 4). */
  maxAttempts?: number
  /** Milliseconds to wait for a TCP connection (default 5000). */
  connectionTimeoutMs?: number
}

const DEFAULT_MAX_ATTEMPTS = 4

export function createS3Client(opts: S3ClientOptions): S3Client {
  const config: S3ClientConfig = {
    region: opts.region,
    maxAttempts: opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    // Adaptive retries back off on throttling too, which matters when mirroring many objects at once.
    retryMode: 'adaptive',
    requestHandler: {
      connectionTimeout: opts.connectionTimeoutMs ?? 5000,
      // An idle limit rather than a total one: a large object may take long but must keep flowing.
      socketTimeout: 60_000,
    },
  }
  if (opts.credentials) config.credentials = { ...opts.credentials }
  else if (opts.profile) config.profile = opts.profile
  if (opts.endpoint !== undefined) {
    config.endpoint = opts.endpoint
    config.forcePathStyle = true
    // The SDK's default aws-chunked CRC32 uploads are stored with their chunk framing inside the
    // object by s3rver and other S3-compatible stores, so files would come back corrupted.
    config.requestChecksumCalculation = 'WHEN_REQUIRED'
    config.responseChecksumValidation = 'WHEN_REQUIRED'
  }
  return new S3Client(config)
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
])
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException'])
const MISSING_BUCKET_NAMES = new Set(['NoSuchBucket'])
const DENIED_NAMES = new Set([
  'AccessDenied',
  'Forbidden',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AllAccessDisabled',
  'ExpiredToken',
  'InvalidToken',
])

interface SdkErrorShape {
  name?: string
  code?: string
  message?: string
  errors?: unknown[]
  cause?: unknown
  $metadata?: { httpStatusCode?: number; requestId?: string }
}

function shapeOf(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {}
}

/** Network error codes of the error, its cause and, for happy-eyeballs connects, each attempt. */
function networkCodes(err: unknown, depth = 0): string[] {
  const e = shapeOf(err)
  const codes = typeof e.code === 'string' ? [e.code] : []
  if (depth > 3) return codes
  for (const inner of e.errors ?? []) codes.push(...networkCodes(inner, depth + 1))
  if (e.cause !== undefined) codes.push(...networkCodes(e.cause, depth + 1))
  return codes
}

function describeWhere(where: { bucket?: string; key?: string }): string {
  if (where.bucket && where.key) return ` (s3://${where.bucket}/${where.key})`
  if (where.bucket) return ` (bucket ${where.bucket})`
  return ''
}

/** Maps anything an S3 call threw to an AppError with a stable code. */
export function describeS3Error(err: unknown, where: { bucket?: string; key?: string }): AppError {
  if (err instanceof AppFailure) return err.error
  const e = shapeOf(err)
  const name = e.name ?? ''
  const status = e.$metadata?.httpStatusCode
  const message = e.message || name || String(err)
  const place = describeWhere(where)
  const file = where.key !== undefined ? { file: where.key } : {}
  const details: Record<string, unknown> = { s3Code: name || undefined, httpStatus: status }
  if (where.bucket) details.bucket = where.bucket

  if (name === 'AbortError')
    return appError('INTERRUPTED', `S3 request interrupted${place}`, { ...file, details })
  const codes = networkCodes(err)
  const networkCode = codes.find((c) => UNREACHABLE_CODES.has(c))
  if (networkCode !== undefined || TIMEOUT_NAMES.has(name))
    return appError('S3_UNREACHABLE', `The S3 store cannot be reached${place}: ${message}`, {
      ...file,
      details: { ...details, networkCode },
    })
  // A 404 without a key is about the bucket itself (HeadBucket answers a bare NotFound).
  if (MISSING_BUCKET_NAMES.has(name) || (status === 404 && where.key === undefined))
    return appError(
      'BUCKET_NOT_FOUND',
      where.bucket ? `Bucket "${where.bucket}" does not exist` : 'Bucket does not exist',
      { ...file, details },
    )
  if (name === 'CredentialsProviderError')
    return appError(
      'ACCESS_DENIED',
      `No S3 credentials found${place}: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile`,
      { ...file, details },
    )
  if (DENIED_NAMES.has(name) || status === 403)
    return appError('ACCESS_DENIED', `Access denied by the S3 store${place}: ${message}`, {
      ...file,
      details,
    })
  return appError('S3_ERROR', `S3 request failed${place}: ${message}`, { ...file, details })
}

/** Wraps an S3 failure for throwing through async code. */
export function s3Failure(err: unknown, where: { bucket?: string; key?: string }): AppFailure {
  return err instanceof AppFailure ? err : new AppFailure(describeS3Error(err, where))
}
