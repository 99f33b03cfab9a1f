// Bad object keys sent through every entry point of the embedded store with valid signatures:
// the set the fuzz test asserts on and the bench counts. Each attempt says whether the store
// refused it (a 4xx S3 error); the caller checks the folders around the store stayed as they were.

import type { StoreCredentials } from '../../src-main/storage/store-credentials'
import { sendSigned, type RawStoreRequest } from './signed-request'

export const ENTRY_POINTS = [
  'path-get',
  'path-put',
  'path-head',
  'path-delete',
  'copy-source',
  'form-post',
  'multi-delete',
  'multipart-create',
  'multipart-part',
  'multipart-complete',
  'presigned-get',
  'presigned-put',
] as const
export type EntryPoint = (typeof ENTRY_POINTS)[number]

const TARGETS = ['victim', 'x/pwned', 'escape.txt']
const UPS = ['..', '../..', '../../..', '../../../..']

/** Decoded bad keys: dot segments, backslashes, leading slashes, controls, overlong. */
export function badKeys(): string[] {
  const keys = new Set<string>()
  for (const up of UPS)
    for (const target of TARGETS) {
      keys.add(`${up}/${target}`)
      keys.add(`a/${up}/${up}/${target}`)
      keys.add(`./${up}/${target}`)
      keys.add(`${up.replace(/\//g, '\\')}\\${target}`)
      keys.add(`a\\..\\..\\${target}`)
    }
  for (const target of TARGETS) {
    keys.add(`/${target}`)
    keys.add(`//etc/${target}`)
    keys.add(`a/./${target}`)
    keys.add(`a/.../${target}`)
    keys.add(`a/.. /${target}`)
    keys.add(`${target}\u0000.txt`)
    keys.add(`${target}\n`)
    keys.add(`a\u001b[31m/${target}`)
    keys.add(`a\u007f/${target}`)
    keys.add(`${target}._S3rver_object`)
  }
  keys.add('..')
  keys.add('.')
  keys.add('x'.repeat(1025))
  keys.add('\u00e9'.repeat(513))
  return [...keys]
}

const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** Ways a client may put a key into a path: each is what a server decodes to the same key. */
export function pathForms(key: string): string[] {
  const perSegment = key.split('/').map(rfc3986).join('/')
  const forms = new Set([perSegment, rfc3986(key)])
  // Dots spelled as %2e / %2E, and raw where no encoding is needed.
  forms.add(perSegment.replace(/\./g, '%2e'))
  forms.add(perSegment.replace(/\./g, '%2E'))
  if (/^[\x21-\x7e]*$/.test(key) && !/[?#%]/.test(key)) forms.add(key)
  return [...forms]
}

/** Raw escapes that are not UTF-8 or not escapes at all: refused before any key is formed. */
export const MALFORMED_PATHS = [
  '%2e%2e%2f%C0%AE%C0%AE/x',
  'a/%ED%A0%80/x',
  'a/%E0%A4%A/x',
  'a/%zz/x',
]

function xmlKey(key: string, entities: boolean): string {
  const escaped = key.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  return entities ? escaped.replace(/\./g, '&#46;').replace(/\//g, '&#x2F;') : escaped
}

function formBody(key: string): { body: string; type: string } {
  const boundary = 'fuzzboundary7d3'
  const body =
    `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\n${key}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n` +
    `Content-Type: text/plain\r\n\r\npwned\r\n--${boundary}--\r\n`
  return { body, type: `multipart/form-data; boundary=${boundary}` }
}

export interface FuzzStore {
  port: number
  credentials: StoreCredentials
  bucket: string
  /** An upload id of a real multipart upload of a good key, for the part and complete probes. */
  uploadId: string
}

/** The requests that try `key` through `entry`. */
export function attempts(entry: EntryPoint, key: string, store: FuzzStore): RawStoreRequest[] {
  const b = store.bucket
  const paths = [...pathForms(key), ...(entry.startsWith('path') ? MALFORMED_PATHS : [])]
  const complete =
    '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>'
  switch (entry) {
    case 'path-get':
      return paths.map((p) => ({ method: 'GET', target: `/${b}/${p}` }))
    case 'path-put':
      return paths.map((p) => ({ method: 'PUT', target: `/${b}/${p}`, body: 'pwned' }))
    case 'path-head':
      return paths.map((p) => ({ method: 'HEAD', target: `/${b}/${p}` }))
    case 'path-delete':
      return paths.map((p) => ({ method: 'DELETE', target: `/${b}/${p}` }))
    case 'copy-source':
      return paths.flatMap((p) => [
        { method: 'PUT', target: `/${b}/copied`, headers: { 'x-amz-copy-source': `/${b}/${p}` } },
        { method: 'PUT', target: `/${b}/copied`, headers: { 'x-amz-copy-source': `${b}/${p}` } },
      ])
    case 'form-post': {
      const { body, type } = formBody(key)
      return [{ method: 'POST', target: `/${b}`, body, headers: { 'content-type': type } }]
    }
    case 'multi-delete':
      return [false, true].map((entities) => ({
        method: 'POST',
        target: `/${b}?delete`,
        headers: { 'content-type': 'application/xml' },
        body: `<Delete><Object><Key>${xmlKey(key, entities)}</Key></Object></Delete>`,
      }))
    case 'multipart-create':
      return paths.map((p) => ({ method: 'POST', target: `/${b}/${p}?uploads` }))
    case 'multipart-part':
      return [
        ...paths.map((p) => ({
          method: 'PUT',
          target: `/${b}/${p}?partNumber=1&uploadId=${store.uploadId}`,
          body: 'pwned',
        })),
        // The upload id and part number become folder and file names in s3rver.
        {
          method: 'PUT',
          target: `/${b}/good?partNumber=1&uploadId=${rfc3986(`../${pathForms(key)[0]}`)}`,
          body: 'pwned',
        },
        {
          method: 'PUT',
          target: `/${b}/good?partNumber=${rfc3986(key)}&uploadId=${store.uploadId}`,
          body: 'pwned',
        },
      ]
    case 'multipart-complete':
      return [
        ...paths.map((p) => ({
          method: 'POST',
          target: `/${b}/${p}?uploadId=${store.uploadId}`,
          body: complete,
        })),
        { method: 'POST', target: `/${b}/good?uploadId=${rfc3986(key)}`, body: complete },
      ]
    case 'presigned-get':
      return paths.map((p) => ({ method: 'GET', target: `/${b}/${p}`, presign: true }))
    case 'presigned-put':
      return paths.map((p) => ({
        method: 'PUT',
        target: `/${b}/${p}`,
        body: 'pwned',
        presign: true,
      }))
  }
}

export interface EntryCount {
  entry: EntryPoint
  tried: number
  refused: number
  /** Answers that were not a 4xx refusal, for the report. */
  passed: { target: string; status: number }[]
}

/** Sends every bad key through every entry point; a refusal is a 4xx answer. */
export async function fuzzEntryPoints(store: FuzzStore, keys = badKeys()): Promise<EntryCount[]> {
  const counts: EntryCount[] = []
  for (const entry of ENTRY_POINTS) {
    const count: EntryCount = { entry, tried: 0, refused: 0, passed: [] }
    for (const key of keys)
      for (const attempt of attempts(entry, key, store)) {
        const res = await sendSigned(store.port, store.credentials, attempt)
        count.tried++
        if (res.status >= 400 && res.status < 500) count.refused++
        else count.passed.push({ target: attempt.target.slice(0, 120), status: res.status })
      }
    counts.push(count)
  }
  return counts
}
