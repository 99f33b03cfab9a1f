// The embedded store's front door: every request passes here before s3rver sees it. It answers
// only this machine's non-browser S3 clients that hold the per-install secret, and it refuses any
// key, bucket name, upload id or part number that s3rver would turn into a path outside its
// folder, wherever in the request it comes from (path, copy source, multi-delete body).

import type { IncomingMessage } from 'node:http'
import { parse as parseQuerystring } from 'node:querystring'
// CommonJS packages: Node's ESM loader offers them as a default export only.
import xmlParser from 'fast-xml-parser'
import he from 'he'
import type { StoreCredentials } from './store-credentials'
import {
  bucketNameProblem,
  keyProblem,
  partNumberProblem,
  strictDecode,
  uploadIdProblem,
} from './store-key-rules'
import { signatureProblem, type SignatureRefusal } from './store-signature'

export type StoreRefusal = SignatureRefusal | { status: 405; code: string; message: string }

/** A request the store may serve; `body` is set when the guard had to read it to check it. */
export interface StorePass {
  body?: Buffer
}

/** 1,000 keys of up to 1,024 bytes, escaped, fit well below this. */
export const MAX_DELETE_BODY_BYTES = 2 * 1024 * 1024
// Printable ASCII without space or '#': S3 clients percent-encode everything else, and a raw
// byte above 0x7f would reach s3rver as a Latin-1 character we never checked.
const RAW_TARGET = /^\/[!-"$-~]*$/
const RAW_QUERY = /^[!-"$-~]*$/

const badRequest = (code: string, message: string): StoreRefusal => ({
  status: 400,
  code,
  message,
})

/** The Host values a local client sends for this port (what DNS rebinding cannot fake). */
export function storeHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`]
}

interface Target {
  rawPath: string
  /** Decoded strictly, for the signature. */
  query: Record<string, string | string[]>
  /** As s3rver's Koa parses it, for the checks of what s3rver will use. */
  koaQuery: Record<string, string | string[] | undefined>
  bucket: string
  key: string
}

function parseTarget(url: string): Target | StoreRefusal {
  const at = url.indexOf('?')
  const rawPath = at < 0 ? url : url.slice(0, at)
  const rawQuery = at < 0 ? '' : url.slice(at + 1)
  if (!RAW_TARGET.test(rawPath) || !RAW_QUERY.test(rawQuery))
    return badRequest('InvalidURI', 'The request target holds characters S3 clients encode')
  const query: Record<string, string | string[]> = {}
  for (const part of rawQuery.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const name = strictDecode(eq < 0 ? part : part.slice(0, eq))
    const value = strictDecode(eq < 0 ? '' : part.slice(eq + 1))
    if (name === undefined || value === undefined)
      return badRequest('InvalidURI', 'The query holds a malformed percent-encoding')
    const seen = query[name]
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value]
  }
  // s3rver's router takes the first segment as the bucket and the rest, decoded, as the key.
  const slash = rawPath.indexOf('/', 1)
  const bucket = strictDecode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash))
  const key = slash < 0 ? '' : strictDecode(rawPath.slice(slash + 1))
  if (bucket === undefined || key === undefined)
    return badRequest('InvalidURI', 'The path holds a malformed percent-encoding or invalid UTF-8')
  return { rawPath, query, koaQuery: parseQuerystring(rawQuery), bucket, key }
}

function keyRefusal(what: string, problem: string): StoreRefusal {
  return badRequest('InvalidArgument', `The ${what} ${problem}; this store does not accept it`)
}

/** The bucket and key s3rver reads from x-amz-copy-source, checked as s3rver will use them. */
function copySourceProblem(header: string): StoreRefusal | undefined {
  if (!RAW_QUERY.test(header))
    return badRequest('InvalidArgument', 'x-amz-copy-source holds characters S3 clients encode')
  let decoded: string
  try {
    // s3rver decodes with decodeURI; decodeURIComponent is checked too, as S3 itself decodes.
    decoded = decodeURI(header)
  } catch {
    return badRequest('InvalidArgument', 'x-amz-copy-source holds a malformed percent-encoding')
  }
  const full = strictDecode(header)
  if (full === undefined)
    return badRequest('InvalidArgument', 'x-amz-copy-source holds a malformed percent-encoding')
  for (const view of [decoded, full.split('?')[0] ?? '']) {
    const path = view.startsWith('/') ? view.slice(1) : view
    const slash = path.indexOf('/')
    const bucketProblem = bucketNameProblem(slash < 0 ? path : path.slice(0, slash))
    if (bucketProblem) return keyRefusal('copy source bucket', bucketProblem)
    const problem = keyProblem(slash < 0 ? '' : path.slice(slash + 1))
    if (problem) return keyRefusal('copy source key', problem)
  }
  return undefined
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** What s3rver's router will do with it, as far as the guard cares. */
function operationProblem(method: string, target: Target): StoreRefusal | undefined {
  const q = target.koaQuery
  if (method === 'POST') {
    // Browser form uploads (POST Object) take their key from a form field: not served at all.
    const allowed = target.key === '' ? 'delete' in q : 'uploads' in q || 'uploadId' in q
    if (!allowed)
      return {
        status: 405,
        code: 'MethodNotAllowed',
        message: 'POST is served only for multi-object delete and multipart uploads',
      }
  }
  if ('uploadId' in q && target.key !== '') {
    const problem = uploadIdProblem(single(q.uploadId))
    if (problem) return keyRefusal('uploadId', problem)
    if (method === 'PUT' || 'partNumber' in q) {
      const partProblem = partNumberProblem(single(q.partNumber))
      if (partProblem) return keyRefusal('partNumber', partProblem)
    }
  }
  return undefined
}

async function readCapped(req: IncomingMessage, cap: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > cap) return undefined
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** The keys s3rver's multi-delete will use: its parser, its options, its reading of the tree. */
function deleteKeysProblem(body: Buffer): StoreRefusal | undefined {
  const text = body.toString('utf8')
  if (xmlParser.validate(text) !== true)
    return badRequest('MalformedXML', 'The XML is not well-formed')
  // s3rver's view first; then untrimmed, since a key that only trimming makes good is not.
  for (const trimValues of [true, false]) {
    const tree = xmlParser.parse(text, {
      trimValues,
      tagValueProcessor: (value: string) => he.decode(value),
    }) as { Delete?: { Object?: unknown } }
    const objects = tree.Delete?.Object
    if (objects === undefined) return undefined // s3rver answers MalformedXML itself
    for (const object of ([] as unknown[]).concat(objects)) {
      const key = (object as { Key?: unknown } | null)?.Key
      if (typeof key !== 'string' && typeof key !== 'number')
        return badRequest('MalformedXML', 'Each Object must hold exactly one Key')
      const problem = keyProblem(String(key))
      if (problem) return keyRefusal('key', problem)
    }
  }
  return undefined
}

/**
 * Decides whether the store serves `req`. It reads the body only of a multi-object delete (to
 * check its keys); the caller then hands that body on with the request.
 */
export async function guardStoreRequest(
  req: IncomingMessage,
  port: number,
  credentials: StoreCredentials,
): Promise<StoreRefusal | StorePass> {
  const host = (req.headers.host ?? '').toLowerCase()
  if (!storeHosts(port).includes(host))
    return { status: 403, code: 'AccessDenied', message: `Use http://127.0.0.1:${port}` }
  // Pages can make a browser post forms or fetch here; S3 tools never send these headers.
  if (
    req.headers.origin !== undefined ||
    Object.keys(req.headers).some((h) => h.startsWith('sec-fetch-'))
  )
    return { status: 403, code: 'AccessDenied', message: 'Browser requests are not served' }

  const method = req.method ?? 'GET'
  const target = parseTarget(req.url ?? '/')
  if ('code' in target) return target
  const operation = operationProblem(method, target)
  if (operation) return operation

  const signature = await signatureProblem(
    { method, rawPath: target.rawPath, query: target.query, headers: req.headers },
    credentials,
  )
  if (signature) return signature

  if (target.bucket !== '') {
    const problem = bucketNameProblem(target.bucket)
    if (problem) return keyRefusal('bucket', problem)
  } else if (target.key !== '') return keyRefusal('bucket', 'is empty')
  if (target.key !== '') {
    // s3rver's router puts a trailing slash back on; a key may end with one ("folders").
    const problem = keyProblem(target.key)
    if (problem) return keyRefusal('key', problem)
  }
  const copySource = req.headers['x-amz-copy-source']
  if (copySource !== undefined) {
    const problem = copySourceProblem(Array.isArray(copySource) ? copySource.join(',') : copySource)
    if (problem) return problem
  }

  if (method === 'POST' && target.key === '' && 'delete' in target.koaQuery) {
    const body = await readCapped(req, MAX_DELETE_BODY_BYTES)
    if (body === undefined)
      return badRequest('MaxMessageLengthExceeded', 'The multi-object delete body is too large')
    const problem = deleteKeysProblem(body)
    return problem ?? { body }
  }
  return {}
}
