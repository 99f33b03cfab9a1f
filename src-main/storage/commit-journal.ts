// The journal of a model set's commit (its staged objects copied to their final keys), one file
// per bucket in `<home>/commits/`. It is on disk, flushed, before the first copy and removed only
// once the set is whole and its staging area is gone, so a commit cut short by a kill or a power
// cut is finished later (at start, or before the next publish to that bucket) from what the
// journal says was staged and confirmed: the bucket never stays a mix of two sets.

import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { AppFailure, appError } from '../../src-shared/errors'
import { removeStaleTemporaries, syncFolder, writeJsonAtomically } from '../platform/atomic-file'

export interface JournaledFile {
  /** The final key; the staged copy is at `stagingPrefix + key`. */
  key: string
  bytes: number
  /** The staged object's ETag (bare), as confirmed before the commit started. */
  etag: string
  /**
   * The staged copy's key under `stagingPrefix` when it is not `key` (one staged file copied to
   * a run's prefix and to the root).
   */
  source?: string
}

export interface CommitJournal {
  version: 1
  bucket: string
  /** The publication's id (a job id): it names the staging area. */
  stagingId: string
  stagingPrefix: string
  startedAt: string
  /** In commit order: model.h5 last. */
  files: JournaledFile[]
}

/** S3 bucket names are already safe file names; anything else never becomes one. */
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

const SUFFIX = '.json'

export function journalPath(dir: string, bucket: string): string {
  if (!BUCKET_PATTERN.test(bucket) || bucket.includes('..'))
    throw new AppFailure(
      appError('UPLOAD_FAILED', `"${bucket.slice(0, 80)}" is not a bucket name`, {
        details: { bucket: bucket.slice(0, 80) },
      }),
    )
  return join(dir, `${bucket}${SUFFIX}`)
}

export async function writeJournal(dir: string, journal: CommitJournal): Promise<void> {
  const file = journalPath(dir, journal.bucket)
  // A write cut short by a kill leaves its temporary file behind; none is ever read.
  await removeStaleTemporaries(file)
  await writeJsonAtomically(file, journal)
}

function isJournal(value: unknown, bucket: string): value is CommitJournal {
  if (typeof value !== 'object' || value === null) return false
  const j = value as Partial<CommitJournal>
  return (
    j.version === 1 &&
    j.bucket === bucket &&
    typeof j.stagingId === 'string' &&
    typeof j.stagingPrefix === 'string' &&
    j.stagingPrefix.startsWith('.staging/') &&
    Array.isArray(j.files) &&
    j.files.every(
      (f: Partial<JournaledFile>) =>
        typeof f.key === 'string' &&
        typeof f.bytes === 'number' &&
        typeof f.etag === 'string' &&
        (f.source === undefined || typeof f.source === 'string'),
    )
  )
}

/** The bucket's unfinished commit, if one is journaled. A journal that cannot be read is dropped. */
export async function readJournal(dir: string, bucket: string): Promise<CommitJournal | undefined> {
  const file = journalPath(dir, bucket)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  try {
    const value: unknown = JSON.parse(text)
    if (isJournal(value, bucket)) return value
  } catch {
    // Written atomically, so never half a file; an unreadable one was not written by the app.
  }
  await removeJournal(dir, bucket)
  return undefined
}

/** The buckets that have an unfinished commit. */
export async function journaledBuckets(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[])
  return names
    .filter((name) => name.endsWith(SUFFIX) && !name.startsWith('.'))
    .map((name) => name.slice(0, -SUFFIX.length))
    .filter((bucket) => BUCKET_PATTERN.test(bucket))
    .sort()
}

export async function removeJournal(dir: string, bucket: string): Promise<void> {
  await rm(journalPath(dir, bucket), { force: true })
  await syncFolder(dir).catch(() => undefined)
}
