// Checks the AWS Signature Version 4 of each request to the embedded store against its
// per-install credentials, in both forms the AWS CLI and SDKs send: the Authorization header and
// the presigned URL's X-Amz-* query parameters. The request is rebuilt from what the client says
// it signed and signed again with the SDK's own signer, so the canonical form is AWS's, not ours.
//
// Only the request line and headers are verified, not the body: the declared payload hash
// (x-amz-content-sha256: a hex SHA-256, UNSIGNED-PAYLOAD or STREAMING-AWS4-HMAC-SHA256-PAYLOAD)
// is part of what is signed, but neither the hash nor the streaming chunks' signatures are checked
// against the bytes. That keeps out anyone without the secret, which is the point on loopback.

import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { SignatureV4 } from '@smithy/signature-v4'
import type { StoreCredentials } from './store-credentials'

export interface SignedRequest {
  method: string
  /** The path as sent, still percent-encoded: S3 signs it so. */
  rawPath: string
  /** The query, percent-decoded; repeated names as arrays. */
  query: Record<string, string | string[]>
  headers: IncomingHttpHeaders
}

export interface SignatureRefusal {
  status: 400 | 403
  code: string
  message: string
}

const ALGORITHM = 'AWS4-HMAC-SHA256'
const MAX_SKEW_MS = 15 * 60 * 1000
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600
const PAYLOAD_HASH = /^(UNSIGNED-PAYLOAD|STREAMING-AWS4-HMAC-SHA256-PAYLOAD|[0-9a-f]{64})$/
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/
const SIGNATURE = /^[0-9a-f]{64}$/
const PRESIGN_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
]

/** node:crypto in the shape the signer takes: a hash, or an HMAC when given a key. */
export class Sha256 {
  private readonly hash: Hash | Hmac
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : bytes(secret))
  }
  update(data: Uint8Array): void {
    this.hash.update(data)
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest())
  }
  reset(): void {
    throw new Error('not used by the signer')
  }
}

function bytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data)
}

const refuse = (code: string, message: string, status: 400 | 403 = 403): SignatureRefusal => ({
  status,
  code,
  message,
})

function parseAmzDate(value: string | undefined): Date | undefined {
  const m = AMZ_DATE.exec(value ?? '')
  if (!m) return undefined
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[]
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h, mi, s))
  return Number.isNaN(date.getTime()) ? undefined : date
}

interface Scope {
  accessKeyId: string
  date: string
  region: string
}

function parseCredential(credential: string): Scope | undefined {
  const parts = credential.split('/')
  if (parts.length !== 5 || parts[3] !== 's3' || parts[4] !== 'aws4_request') return undefined
  const [accessKeyId, date, region] = parts as [string, string, string]
  if (!/^\d{8}$/.test(date) || !/^[a-z0-9-]{1,40}$/.test(region)) return undefined
  return { accessKeyId, date, region }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8')
  const b = Buffer.from(given, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}

interface Claim {
  scope: Scope
  signedHeaders: string[]
  signature: string
  date: Date
  /** Seconds a presigned URL stays valid; undefined for the header form. */
  expiresIn?: number
}

function headerClaim(req: SignedRequest): Claim | SignatureRefusal {
  const auth = headerValue(req.headers, 'authorization') ?? ''
  const m =
    /^AWS4-HMAC-SHA256 +Credential=([^,\s]+), *SignedHeaders=([^,\s]+), *Signature=(\S+)$/.exec(
      auth,
    )
  if (!m) return refuse('AccessDenied', 'Only AWS Signature Version 4 requests are served')
  const scope = parseCredential(m[1]!)
  if (!scope)
    return refuse('AuthorizationHeaderMalformed', 'The credential scope is malformed', 400)
  const date = parseAmzDate(headerValue(req.headers, 'x-amz-date'))
  if (!date) return refuse('AccessDenied', 'A valid x-amz-date header is required')
  const payload = headerValue(req.headers, 'x-amz-content-sha256')
  if (payload === undefined || !PAYLOAD_HASH.test(payload))
    return refuse(
      'InvalidRequest',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD or a SHA-256',
      400,
    )
  return { scope, signedHeaders: m[2]!.split(';'), signature: m[3]!, date }
}

function presignedClaim(req: SignedRequest): Claim | SignatureRefusal {
  const q = (name: string) => {
    const value = req.query[name]
    return typeof value === 'string' ? value : undefined
  }
  if (q('X-Amz-Algorithm') !== ALGORITHM)
    return refuse(
      'AuthorizationQueryParametersError',
      'X-Amz-Algorithm must be AWS4-HMAC-SHA256',
      400,
    )
  if (req.query['X-Amz-Security-Token'] !== undefined)
    return refuse('InvalidToken', 'This store issues no session tokens', 400)
  const scope = parseCredential(q('X-Amz-Credential') ?? '')
  const date = parseAmzDate(q('X-Amz-Date'))
  const expires = q('X-Amz-Expires') ?? ''
  const signedHeaders = q('X-Amz-SignedHeaders')
  const signature = q('X-Amz-Signature')
  if (!scope || !date || !/^\d{1,6}$/.test(expires) || !signedHeaders || !signature)
    return refuse(
      'AuthorizationQueryParametersError',
      'A presigned URL needs valid X-Amz-Credential, X-Amz-Date, X-Amz-Expires, ' +
        'X-Amz-SignedHeaders and X-Amz-Signature parameters',
      400,
    )
  const expiresIn = Number(expires)
  if (expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS)
    return refuse(
      'AuthorizationQueryParametersError',
      'X-Amz-Expires must be between 1 second and one week',
      400,
    )
  return { scope, signedHeaders: signedHeaders.split(';'), signature, date, expiresIn }
}

/** Why the request's signature is not accepted, or undefined when it is. */
export async function signatureProblem(
  req: SignedRequest,
  credentials: StoreCredentials,
  now = new Date(),
): Promise<SignatureRefusal | undefined> {
  const presigned = req.query['X-Amz-Algorithm'] !== undefined
  const hasHeader = req.headers.authorization !== undefined
  if (presigned && hasHeader)
    return refuse(
      'InvalidArgument',
      'Only one of the Authorization header and X-Amz-Algorithm',
      400,
    )
  if (!presigned && !hasHeader)
    return refuse('AccessDenied', "Requests must be signed with the store's credentials")
  const claim = presigned ? presignedClaim(req) : headerClaim(req)
  if ('code' in claim) return claim

  const { scope, date, signedHeaders } = claim
  if (scope.accessKeyId !== credentials.accessKeyId)
    return refuse('InvalidAccessKeyId', "The access key id is not this store's")
  if (scope.date !== date.toISOString().slice(0, 10).replace(/-/g, ''))
    return refuse('SignatureDoesNotMatch', "The credential scope's date is not the request's")
  const age = now.getTime() - date.getTime()
  if (claim.expiresIn === undefined ? Math.abs(age) > MAX_SKEW_MS : age < -MAX_SKEW_MS)
    return refuse(
      'RequestTimeTooSkewed',
      "The request time differs from the store's by over 15 minutes",
    )
  if (claim.expiresIn !== undefined && age > claim.expiresIn * 1000)
    return refuse('AccessDenied', 'Request has expired')
  if (!SIGNATURE.test(claim.signature))
    return refuse('SignatureDoesNotMatch', 'The signature is malformed')

  const sorted = [...signedHeaders].sort()
  if (sorted.join(';') !== signedHeaders.join(';') || !signedHeaders.includes('host'))
    return refuse('SignatureDoesNotMatch', 'SignedHeaders must be sorted and include host')
  // As S3 does: every x-amz-* header sent is covered by the signature.
  if (!presigned) {
    const unsigned = Object.keys(req.headers).filter(
      (name) => name.startsWith('x-amz-') && !signedHeaders.includes(name),
    )
    if (unsigned.length > 0 || !signedHeaders.includes('x-amz-date'))
      return refuse('AccessDenied', 'Every x-amz-* header must be signed')
  }
  const headers: Record<string, string> = {}
  for (const name of signedHeaders) {
    const value = headerValue(req.headers, name)
    if (value === undefined)
      return refuse('SignatureDoesNotMatch', 'A signed header is missing from the request')
    headers[name] = value
  }
  const query = { ...req.query }
  for (const name of presigned ? PRESIGN_PARAMS : []) delete query[name]
  const host = headers.host ?? ''
  const request = {
    method: req.method,
    protocol: 'http:',
    hostname: host.replace(/:\d+$/, ''),
    path: req.rawPath,
    query,
    headers,
  }
  const signer = new SignatureV4({
    credentials,
    region: scope.region,
    service: 's3',
    sha256: Sha256,
    // S3 signs the path as sent, without normalising or double-encoding it.
    uriEscapePath: false,
    applyChecksum: false,
  })
  const signable = new Set(signedHeaders)
  let expected: string | undefined
  if (claim.expiresIn === undefined) {
    const signed = await signer.sign(request, { signingDate: date, signableHeaders: signable })
    expected = /Signature=([0-9a-f]{64})$/.exec(signed.headers.authorization ?? '')?.[1]
  } else {
    // Presigned S3 URLs always sign an unsigned payload; the header only tells the signer so.
    if (!('x-amz-content-sha256' in headers))
      request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD'
    const signed = await signer.presign(request, {
      signingDate: date,
      expiresIn: claim.expiresIn,
      signableHeaders: signable,
      unsignableHeaders: signable.has('x-amz-content-sha256')
        ? undefined
        : new Set(['x-amz-content-sha256']),
      unhoistableHeaders: new Set(Object.keys(request.headers)),
    })
    const value = signed.query?.['X-Amz-Signature']
    expected = typeof value === 'string' ? value : undefined
  }
  if (expected === undefined || !sameSignature(expected, claim.signature))
    return refuse(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided',
    )
  return undefined
}
