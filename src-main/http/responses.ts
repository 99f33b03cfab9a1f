// How the endpoint answers: JSON bodies, and every non-2xx answer as `{ error: AppError }` with an
// HTTP status chosen from the error's stable code.

import type { ServerResponse } from 'node:http'
import { toAppError, type AppError } from '../../src-shared/errors'

const STATUS_BY_CODE: Record<string, number> = {
  INVALID_TRAIN_TYPE: 400,
  INVALID_CLIENT_NAME: 400,
  INVALID_PARAMETER: 400,
  INVALID_BODY: 400,
  INVALID_JOB_ID: 400,
  UNSAFE_FILE_NAME: 400,
  INVALID_THUMBNAIL_SIZE: 400,
  UNAUTHORIZED: 401,
  S3_CREDENTIALS_INVALID: 500,
  FORBIDDEN_HOST: 403,
  FORBIDDEN_ORIGIN: 403,
  NOT_FOUND: 404,
  NO_ACTIVE_JOB: 404,
  JOB_NOT_FOUND: 404,
  BUCKET_NOT_FOUND: 404,
  IMAGE_FILE_MISSING: 404,
  NO_MODEL_TO_UPLOAD: 404,
  MODEL_VERSION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CLIENT_BUSY: 409,
  MODEL_SUPERSEDED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  ANNOTATIONS_INVALID: 422,
  IMAGE_UNREADABLE: 422,
  TOO_MANY_BAD_IMAGES: 422,
  UNSAFE_OBJECT_KEY: 422,
  OBJECT_KEY_CONFLICT: 422,
  NOT_IMPLEMENTED: 501,
  S3_UNREACHABLE: 502,
  S3_ERROR: 502,
  ACCESS_DENIED: 502,
  UPLOAD_FAILED: 502,
  DOWNLOAD_INCOMPLETE: 502,
  SHUTTING_DOWN: 503,
  BACKBONE_NOT_FOUND: 422,
  BACKBONE_INVALID: 422,
  BACKBONE_TOO_LARGE: 422,
  BACKBONE_REDIRECT_REFUSED: 422,
  BACKBONE_DOWNLOAD_FAILED: 502,
  TRAINING_TOO_LARGE: 422,
  ENGINE_OUT_OF_MEMORY: 422,
  NO_MODEL: 404,
  MODEL_FILE_NOT_FOUND: 404,
  MODEL_CHANGED: 409,
  MODEL_UNREADABLE: 422,
  MODEL_TASK_UNSUPPORTED: 501,
  PREDICT_TIMEOUT: 504,
  RESUME_NOT_POSSIBLE: 409,
  CHECKPOINT_UNREADABLE: 422,
}

export function statusOf(error: AppError): number {
  return STATUS_BY_CODE[error.code] ?? 500
}

/** Headers every answer carries: nothing here is cacheable, and nothing may be sniffed. */
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

/** Answers with the error's status; `extra` adds fields next to `error` (e.g. the report on 422). */
export function sendError(
  res: ServerResponse,
  thrown: unknown,
  extra: Record<string, unknown> = {},
  status?: number,
): void {
  const error = toAppError(thrown)
  sendJson(res, status ?? statusOf(error), { error, ...extra })
}

export function streamHeaders(contentType: string): Record<string, string> {
  return {
    ...COMMON_HEADERS,
    'content-type': contentType,
    // Proxies that buffer (nginx) would hold progress back until the job ends.
    'x-accel-buffering': 'no',
  }
}

export { COMMON_HEADERS }
