// What a bucket name, an object key and a multipart upload's ids may look like in the embedded
// store. s3rver joins keys, upload ids and part numbers onto its folder path as they come, so
// anything that a file system would read as "up", "root" or "another drive" is refused here.

/** S3's own limit; longer keys also overrun file name limits under the store's folder. */
export const MAX_KEY_BYTES = 1024

// C0 controls, DEL and C1 controls: never in a file name we want, and NUL truncates paths.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
// `.`, `..` and, because Windows drops trailing dots and spaces from names, `...` or `. .` too.
const DOT_SEGMENT = /^[. ]*\.[. ]*$/
// s3rver names its own files `<name>._S3rver_<kind>`; a key holding that could pose as one.
const STORE_MARKER = '._S3rver_'
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
const UPLOAD_ID = /^[0-9a-f]{32}$/
const PART_NUMBER = /^[1-9][0-9]{0,4}$/

/** Why `key` may not be stored, or undefined when it may. */
export function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'is empty'
  if (LONE_SURROGATE.test(key)) return 'is not valid UTF-8'
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return `is longer than ${MAX_KEY_BYTES} bytes`
  if (CONTROL.test(key)) return 'holds a control character'
  if (key.includes('\\')) return 'holds a backslash'
  if (key.startsWith('/')) return 'starts with "/"'
  if (key.split('/').some((segment) => DOT_SEGMENT.test(segment)))
    return 'holds a "." or ".." segment'
  if (key.includes(STORE_MARKER)) return `holds "${STORE_MARKER}", which the store uses itself`
  return undefined
}

export function bucketNameProblem(name: string): string | undefined {
  if (!BUCKET_NAME.test(name) || name.includes('..'))
    return 'is not a bucket name (3 to 63 lower-case letters, digits, dots and hyphens)'
  return undefined
}

/** s3rver makes upload ids as 32 hex digits; it uses them as folder names. */
export function uploadIdProblem(id: unknown): string | undefined {
  return typeof id === 'string' && UPLOAD_ID.test(id) ? undefined : 'is not an upload id'
}

export function partNumberProblem(part: unknown): string | undefined {
  return typeof part === 'string' && PART_NUMBER.test(part) && Number(part) <= 10_000
    ? undefined
    : 'is not a part number (1 to 10000)'
}

/** decodeURIComponent that answers undefined for malformed escapes and invalid UTF-8. */
export function strictDecode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw)
  } catch {
    return undefined
  }
}
