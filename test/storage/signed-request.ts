// Raw HTTP requests to the embedded store, signed (or presigned) with the AWS SDK's own SigV4
// signer, with the path and query sent byte for byte as given: what an attacker holding the
// key, or a careless tool, could send, without the SDK's own encoding getting in the way.

import { createHash } from 'node:crypto'
import { request } from 'node:http'
import { SignatureV4 } from '@smithy/signature-v4'
import type { StoreCredentials } from '../../src-main/storage/store-credentials'
import { Sha256 } from '../../src-main/storage/store-signature'

export interface RawStoreRequest {
  method: string
  /** Path and query exactly as sent, e.g. `/bucket/a%2Fb?uploads`. */
  target: string
  headers?: Record<string, string>
  body?: string | Buffer
  /** Sign as a presigned URL instead of with the Authorization header. */
  presign?: boolean
}

export interface RawStoreResponse {
  status: number
  text: string
}

function looseDecode(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

function queryOf(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {}
  for (const part of raw.split('&').filter(Boolean)) {
    const eq = part.indexOf('=')
    const name = looseDecode(eq < 0 ? part : part.slice(0, eq))
    const value = looseDecode(eq < 0 ? '' : part.slice(eq + 1))
    const seen = query[name]
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value]
  }
  return query
}

const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

export async function sendSigned(
  port: number,
  credentials: StoreCredentials,
  req: RawStoreRequest,
): Promise<RawStoreResponse> {
  const at = req.target.indexOf('?')
  const path = at < 0 ? req.target : req.target.slice(0, at)
  const rawQuery = at < 0 ? '' : req.target.slice(at + 1)
  const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body)
  const signer = new SignatureV4({
    credentials,
    region: 'us-east-1',
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
  })
  const base = {
    method: req.method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    path,
    query: queryOf(rawQuery),
    headers: { host: `127.0.0.1:${port}`, ...req.headers } as Record<string, string>,
  }
  let target = req.target
  let headers: Record<string, string>
  if (req.presign) {
    base.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD'
    const signed = await signer.presign(base, {
      expiresIn: 300,
      unsignableHeaders: new Set(['x-amz-content-sha256']),
      unhoistableHeaders: new Set(['x-amz-content-sha256']),
    })
    const added = Object.entries(signed.query ?? {})
      .filter(([name]) => name.startsWith('X-Amz-'))
      .map(([name, value]) => `${name}=${rfc3986(String(value))}`)
    target = `${path}?${[rawQuery, ...added].filter(Boolean).join('&')}`
    headers = { ...(req.headers ?? {}) }
  } else {
    base.headers['x-amz-content-sha256'] = createHash('sha256').update(body).digest('hex')
    headers = (await signer.sign(base)).headers
  }
  return new Promise((resolve, reject) => {
    const sent = request(
      {
        host: '127.0.0.1',
        port,
        method: req.method,
        path: target,
        headers: { ...headers, 'content-length': String(body.length) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        )
        res.on('error', reject)
      },
    )
    sent.on('error', reject)
    sent.end(body)
  })
}
