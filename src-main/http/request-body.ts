// Reading a JSON request body: JSON only (a cross-site form cannot send it without a CORS
// preflight, which this server never grants) and small.

import type { IncomingMessage } from 'node:http'
import { AppFailure, appError } from '../../src-shared/errors'

const MAX_BODY_BYTES = 64 * 1024

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (type !== 'application/json')
    throw new AppFailure(
      appError('UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON (Content-Type: application/json)'),
    )
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES)
      throw new AppFailure(
        appError('PAYLOAD_TOO_LARGE', `the body is larger than ${MAX_BODY_BYTES} bytes`),
      )
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  try {
    return text.trim() === '' ? {} : (JSON.parse(text) as unknown)
  } catch (err) {
    throw new AppFailure(
      appError('INVALID_BODY', `the body is not valid JSON: ${(err as Error).message}`),
    )
  }
}

/**
 * Reading a raw body of at most `maxBytes`: refused up front when Content-Length says it is
 * larger, and cut off as soon as it grows larger (a chunked body declares no length).
 */
export async function readRawBody(
  req: IncomingMessage,
  maxBytes: number,
  tooLarge: () => AppFailure,
): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > maxBytes) throw tooLarge()
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}
