// Publishing a folder (a trained model's files) into a bucket so that the bucket never holds half
// a set: every file is uploaded under a staging prefix and confirmed first, and only when all are
// there are they copied to their final keys. An upload that fails or is interrupted removes what it
// staged and leaves the final keys as they were. The copies run server-side in a moment and are
// not interrupted; model.h5 comes last, so a reader that waits for it finds the rest in place.
// The copies are journaled before the first one (commit-journal.ts): a commit the app was killed
// in is finished at the next start, or before the next publish to the bucket.

import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { AppFailure, appError, toAppError, type AppError } from '../../src-shared/errors'
import type { ModelFile } from '../../src-shared/job-events'
import { bareEtag, listObjects } from './bucket-objects'
import {
  journaledBuckets,
  readJournal,
  removeJournal,
  writeJournal,
  type CommitJournal,
  type JournaledFile,
} from './commit-journal'
import { uploadFailure, uploadFolder, type UploadFolderOptions } from './upload-folder'

/** Keys under this prefix are unfinished uploads, never a model; listings leave them out. */
export const STAGING_PREFIX = '.staging/'

/** How long clean-up of staged files may take; it must not hold up the end of a job. */
const CLEANUP_TIMEOUT_MS = 5000

/** The file readers wait for: copied last. */
const LAST_KEY = 'model.h5'

export interface PublishFolderOptions extends Omit<UploadFolderOptions, 'keyPrefix'> {
  /** Names this publication's staging area (a job id: letters, digits and hyphens). */
  stagingId: string
  /** Where commits are journaled (`<home>/commits`). */
  journalDir: string
  /**
   * The key prefixes the set is committed under, asked once every file is staged (so a decision
   * about them sees the bucket after any earlier commit was finished); each prefix gets the whole
   * set, the later ones after the earlier ones. Default: the root only.
   */
  targets?: () => Promise<string[]>
}

export function isStagingKey(key: string): boolean {
  return key.startsWith(STAGING_PREFIX)
}

function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`
}

/** Deletes every staged object under `prefix`; failures are ignored (the next publish retries). */
export async function removeStaged(s3: S3Client, bucket: string, prefix: string): Promise<void> {
  try {
    const signal = AbortSignal.timeout(CLEANUP_TIMEOUT_MS)
    const staged = (await listObjects(s3, bucket, signal)).filter((o) => o.key.startsWith(prefix))
    for (const object of staged)
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.key }), {
        abortSignal: signal,
      })
  } catch {
    // Staged objects are invisible to readers of the model; leaving some behind is harmless.
  }
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404
}

/** The staged copies as they are now, in commit order (model.h5 last), from one HEAD each. */
export async function stagedState(
  s3: S3Client,
  bucket: string,
  staging: string,
  staged: ModelFile[],
): Promise<JournaledFile[]> {
  const order = [...staged].sort(
    (a, b) => Number(a.key === staging + LAST_KEY) - Number(b.key === staging + LAST_KEY),
  )
  const files: JournaledFile[] = []
  for (const file of order) {
    const head = await s3
      .send(new HeadObjectCommand({ Bucket: bucket, Key: file.key }))
      .catch((err: unknown) => Promise.reject(uploadFailure(err, bucket, file.key)))
    files.push({
      key: file.key.slice(staging.length),
      bytes: head.ContentLength ?? file.bytes,
      etag: bareEtag(head.ETag),
    })
  }
  return files
}

/** The staged copies are gone or changed: the journaled set can no longer be committed. */
class StagedSetGone extends AppFailure {}

/**
 * Copies every journaled file from staging to its final key, confirming each, in the journal's
 * order. Copying again what an earlier attempt already copied is harmless, so a commit cut short
 * is finished by running this once more.
 */
async function copyJournaled(
  s3: S3Client,
  journal: CommitJournal,
  signal?: AbortSignal,
): Promise<ModelFile[]> {
  const { bucket, stagingPrefix } = journal
  for (const file of journal.files) {
    const source = stagingPrefix + (file.source ?? file.key)
    try {
      const staged = await s3
        .send(new HeadObjectCommand({ Bucket: bucket, Key: source }), { abortSignal: signal })
        .catch((err: unknown) => {
          if (isMissing(err)) return undefined
          throw err
        })
      if (staged?.ContentLength !== file.bytes || bareEtag(staged.ETag) !== file.etag)
        throw new StagedSetGone(
          appError(
            'UPLOAD_FAILED',
            `the staged copy of s3://${bucket}/${file.key} is gone or changed; the set cannot be committed`,
            { file: file.key, details: { bucket, stagingId: journal.stagingId } },
          ),
        )
      await s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: file.key,
          CopySource: copySource(bucket, source),
        }),
        { abortSignal: signal },
      )
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: file.key }), {
        abortSignal: signal,
      })
      if (head.ContentLength !== file.bytes)
        throw new AppFailure(
          appError(
            'UPLOAD_FAILED',
            `s3://${bucket}/${file.key} holds ${head.ContentLength ?? 'no'} bytes after publishing, expected ${file.bytes}`,
            {
              file: file.key,
              details: { bucket, expected: file.bytes, stored: head.ContentLength },
            },
          ),
        )
    } catch (err) {
      if (err instanceof StagedSetGone) throw err
      throw uploadFailure(err, bucket, file.key)
    }
  }
  return journal.files
    .map(({ key, bytes }) => ({ key, bytes }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/** What became of a commit the app found journaled, unfinished. */
export type CommitRecovery = { bucket: string; stagingId: string } & (
  | { outcome: 'finished'; files: ModelFile[] }
  /** Not finished now (the store unreachable, say); the journal stays for the next attempt. */
  | { outcome: 'pending'; error: AppError }
  /** The staged copies are gone: the journal is dropped; only sending the model again helps. */
  | { outcome: 'abandoned'; error: AppError }
)

/** Finishes the bucket's journaled commit, if it has one; undefined when it has none. */
export async function resumeCommit(
  s3: S3Client,
  journalDir: string,
  bucket: string,
  signal?: AbortSignal,
): Promise<CommitRecovery | undefined> {
  const journal = await readJournal(journalDir, bucket)
  if (!journal) return undefined
  const { stagingId } = journal
  try {
    const files = await copyJournaled(s3, journal, signal)
    await removeStaged(s3, bucket, STAGING_PREFIX)
    await removeJournal(journalDir, bucket)
    return { bucket, stagingId, outcome: 'finished', files }
  } catch (err) {
    if (!(err instanceof StagedSetGone))
      return { bucket, stagingId, outcome: 'pending', error: toAppError(err) }
    await removeStaged(s3, bucket, journal.stagingPrefix)
    await removeJournal(journalDir, bucket)
    return { bucket, stagingId, outcome: 'abandoned', error: err.error }
  }
}

/** Finishes every journaled commit (at start, before any job runs). */
export async function resumeCommits(
  s3: S3Client,
  journalDir: string,
  signal?: AbortSignal,
): Promise<CommitRecovery[]> {
  const recoveries: CommitRecovery[] = []
  for (const bucket of await journaledBuckets(journalDir)) {
    const recovery = await resumeCommit(s3, journalDir, bucket, signal)
    if (recovery) recoveries.push(recovery)
  }
  return recoveries
}

/**
 * Uploads the folder's files to `<bucket>/<key>` as one set. Interruptible (through `signal`)
 * until every file is staged; after that the set is committed whatever happens to the signal.
 */
export async function publishFolder(opts: PublishFolderOptions): Promise<ModelFile[]> {
  const { s3, bucket, stagingId } = opts
  stagingPrefixOf(stagingId, bucket)
  // An older set whose commit was cut short is made whole first: were this upload to fail, the
  // bucket would otherwise keep half of it.
  const earlier = await resumeCommit(s3, opts.journalDir, bucket, opts.signal)
  if (earlier?.outcome === 'pending') throw new AppFailure(earlier.error)
  return commitStagedSet(
    {
      s3,
      bucket,
      stagingId,
      journalDir: opts.journalDir,
      ...(opts.targets && { targets: opts.targets }),
    },
    (staging) => uploadFolder({ ...opts, keyPrefix: staging }),
  )
}

/** Names a staging area the way publishFolder does, refusing ids that cannot name one. */
export function stagingPrefixOf(stagingId: string, bucket: string): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(stagingId))
    throw new AppFailure(
      appError('UPLOAD_FAILED', `"${stagingId.slice(0, 60)}" cannot name a staging area`, {
        details: { bucket },
      }),
    )
  return `${STAGING_PREFIX}${stagingId}/`
}

export interface StagedCommit {
  s3: S3Client
  bucket: string
  stagingId: string
  journalDir: string
  targets?: () => Promise<string[]>
}

/**
 * Stages a set with `stage` (which puts every file under the staging prefix it is given and says
 * what it staged), journals the copies to every target prefix, then commits them. Anything that
 * fails before the journal is written removes what was staged and leaves the final keys alone.
 */
export async function commitStagedSet(
  commit: StagedCommit,
  stage: (staging: string) => Promise<ModelFile[]>,
): Promise<ModelFile[]> {
  const { s3, bucket, stagingId, journalDir } = commit
  const staging = stagingPrefixOf(stagingId, bucket)
  let journal: CommitJournal
  try {
    const files = await stagedState(s3, bucket, staging, await stage(staging))
    const prefixes = commit.targets ? await commit.targets() : ['']
    journal = {
      version: 1,
      bucket,
      stagingId,
      stagingPrefix: staging,
      startedAt: new Date().toISOString(),
      files: prefixes.flatMap((prefix) =>
        files.map((file) =>
          prefix === '' ? file : { ...file, key: prefix + file.key, source: file.key },
        ),
      ),
    }
    await writeJournal(journalDir, journal)
  } catch (err) {
    await removeStaged(s3, bucket, staging)
    throw err
  }
  // From here on the set is committed whatever happens: if this process dies, the journal
  // lets the next start (or the next publish) finish the copies.
  const published = await copyJournaled(s3, journal)
  // Also clears what earlier publications left when the app stopped in the middle of them.
  await removeStaged(s3, bucket, STAGING_PREFIX)
  await removeJournal(journalDir, bucket)
  return published
}
