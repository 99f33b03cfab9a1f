// Which object keys may become local file paths. A bucket is outside our control, so a key must
// never name a place outside the mirror folder, nor two keys claim the same path as file and folder,
// nor hold a segment no file system can name (checked here, so the failure names the key, not a
// local path from the file system's error).

import { AppFailure, appError } from '../../src-shared/errors'

/** The longest file name ext4, APFS, NTFS and most others allow, in bytes. */
export const MAX_KEY_SEGMENT_BYTES = 255
/** Keys quoted in messages are shortened to this many characters; `file` keeps the whole key. */
const QUOTE_LIMIT = 160

function quoted(key: string): string {
  return key.length <= QUOTE_LIMIT ? key : `${key.slice(0, QUOTE_LIMIT - 41)}…${key.slice(-40)}`
}

/** Why a key cannot be stored as a file under the mirror folder, or undefined when it can. */
export function unsafeKeyReason(key: string): string | undefined {
  if (key.length === 0) return 'is empty'
  if (key.includes('\0')) return 'contains a NUL character'
  if (key.includes('\\')) return 'contains a backslash'
  if (key.startsWith('/')) return 'starts with "/"'
  if (/^[A-Za-z]:/.test(key)) return 'starts with a drive letter'
  const segments = key.split('/')
  if (segments.some((s) => s === '')) return 'has an empty path segment'
  if (segments.some((s) => s === '..' || s === '.')) return 'has a "." or ".." path segment'
  if (segments.some((s) => Buffer.byteLength(s) > MAX_KEY_SEGMENT_BYTES))
    return `has a path segment longer than ${MAX_KEY_SEGMENT_BYTES} bytes, which no local file can be named`
  return undefined
}

/** Directory-marker keys (`images/`) describe folders, not files. */
export function isFolderMarker(key: string): boolean {
  return key.endsWith('/')
}

/**
 * Refuses the whole listing when any key is unsafe, or when one key is a file and a folder at once
 * (`a` and `a/b`), before anything is written.
 */
export function assertMirrorableKeys(bucket: string, keys: readonly string[]): void {
  for (const key of keys) {
    const reason = unsafeKeyReason(key)
    if (reason)
      throw new AppFailure(
        appError(
          'UNSAFE_OBJECT_KEY',
          `Object key "${quoted(key)}" in bucket "${bucket}" ${reason}`,
          {
            file: key,
            details: { bucket },
          },
        ),
      )
  }
  const files = new Set(keys)
  for (const key of keys) {
    const segments = key.split('/')
    for (let i = 1; i < segments.length; i++) {
      const folder = segments.slice(0, i).join('/')
      if (files.has(folder))
        throw new AppFailure(
          appError(
            'OBJECT_KEY_CONFLICT',
            `Object key "${folder}" in bucket "${bucket}" is a file, but "${key}" needs it as a folder`,
            { file: key, details: { bucket, conflictsWith: folder } },
          ),
        )
    }
  }
}
