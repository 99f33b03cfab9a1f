// How the endpoint answers: JSON bodies, and every non-2xx answer as `{ error: AppError }` with an
// HTTP status chosen from the error's stable code (the table in src-shared/error-codes.ts).

import type { ServerResponse } from 'node:http'
import { statusOfCode } from '../../src-shared/error-codes'
import { toAppError, type AppError } from '../../src-shared/errors'

export function statusOf(error: AppError): number {
  return statusOfCode(error.code)
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
