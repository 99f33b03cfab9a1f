// Mirror sync of a bucket into a local folder. The end state is the folder holding exactly the
// bucket's objects, reached by transferring only what changed: an object whose local file has
// the recorded size and ETag stays, everything else is downloaded to a temp file beside the folder
// and renamed into place when whole, and local files the bucket no longer has are deleted.
// The manifest's "complete" mark exists only after a sync finished, so an interrupted or failed
// sync is never mistaken for a good dataset and the next run repairs it.

import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve, sep } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import pLimit from 'p-limit'
import { AppFailure, appError } from '../../src-shared/errors'
import { moveIntoPlace } from '../platform/atomic-file'
import { AbortGroup } from './abort-group'
import { bareEtag, listObjects, type BucketObject } from './bucket-objects'
import { listLocalFiles, removeEmptyFolders } from './local-tree'
import {
  readManifest,
  writeManifest,
  type MirrorManifest,
  type MirroredFile,
} from './mirror-manifest'
import { assertMirrorableKeys, isFolderMarker } from './object-keys'
import { progressCounter, type MirrorProgress, type ProgressCounter } from './progress-throttle'
import { describeS3Error } from './s3-client'

export type { MirrorProgress } from './progress-throttle'
export { isMirrorComplete, readMirrorState } from './mirror-manifest'

export interface MirrorSummary {
  downloaded: number
  deleted: number
  unchanged: number
  bytesDownloaded: number
  objects: number
  ms: number
}

export interface MirrorOptions {
  s3: S3Client
  bucket: string
  dest: string
  /** Downloads in flight at once (default 16). */
  concurrency?: number
  signal?: AbortSignal
  /** Called at most every 100 ms, plus once at the start and once at the end. */
  onProgress?: (p: MirrorProgress) => void
}

function interrupted(bucket: string): AppFailure {
  return new AppFailure(
    appError('INTERRUPTED', `Sync of bucket "${bucket}" was interrupted`, { details: { bucket } }),
  )
}

/** Temp files live beside the folder, so the folder itself never holds a half-written file. */
function partialPrefix(dest: string): string {
  return `.${basename(dest)}.partial-`
}

async function removeStalePartials(dest: string): Promise<void> {
  const parent = dirname(dest)
  const names = await readdir(parent).catch(() => [] as string[])
  const stale = names.filter(
    (n) => n.startsWith(partialPrefix(dest)) || n.startsWith(`.${basename(dest)}.mirror.json.tmp-`),
  )
  await Promise.all(stale.map((n) => rm(join(parent, n), { force: true })))
}

/** The local path of a key, checked once more to lie inside the folder. */
function localPathOf(dest: string, key: string): string {
  const path = resolve(dest, ...key.split('/'))
  if (!path.startsWith(dest + sep))
    throw new AppFailure(
      appError('UNSAFE_OBJECT_KEY', `Object key "${key}" leaves the folder`, { file: key }),
    )
  return path
}

function asFailure(err: unknown, bucket: string, key?: string): AppFailure {
  if (err instanceof AppFailure) return err
  const fsError = err as NodeJS.ErrnoException
  if (typeof fsError.path === 'string')
    return new AppFailure(
      appError(
        'MIRROR_WRITE_FAILED',
        // The file system's message names local paths: only its code goes to the caller.
        `Cannot write the mirror of "${bucket}"${key ? ` (object "${key.slice(0, 160)}")` : ''}: ${fsError.code ?? 'file system error'}`,
        {
          ...(key ? { file: key } : {}),
          details: { bucket, cause: fsError.code },
        },
      ),
    )
  return new AppFailure(describeS3Error(err, { bucket, ...(key ? { key } : {}) }))
}

interface DownloadContext {
  s3: S3Client
  bucket: string
  dest: string
  signal: AbortSignal
  progress: ProgressCounter
  folders: Map<string, Promise<unknown>>
}

/** Downloads one object; undefined when it was deleted from the bucket since the listing. */
async function downloadObject(
  ctx: DownloadContext,
  object: BucketObject,
): Promise<MirroredFile | undefined> {
  const { bucket, dest, signal } = ctx
  const target = localPathOf(dest, object.key)
  const temp = join(dirname(dest), partialPrefix(dest) + randomBytes(8).toString('hex'))
  let counted = 0
  try {
    const response = await ctx.s3
      .send(new GetObjectCommand({ Bucket: bucket, Key: object.key }), { abortSignal: signal })
      .catch((err: unknown) => {
        if ((err as { name?: string }).name === 'NoSuchKey') return undefined
        throw err
      })
    if (!response) return undefined
    const expected = response.ContentLength ?? object.bytes
    await pipeline(
      response.Body as Readable,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          counted += chunk.length
          ctx.progress.addBytes(chunk.length)
          yield chunk
        }
      },
      createWriteStream(temp),
      { signal },
    )
    if (counted !== expected)
      throw new AppFailure(
        appError(
          'DOWNLOAD_INCOMPLETE',
          `Received ${counted} of ${expected} bytes of ${object.key}`,
          {
            file: object.key,
            details: { bucket },
          },
        ),
      )
    const folder = dirname(target)
    let made = ctx.folders.get(folder)
    if (!made) ctx.folders.set(folder, (made = mkdir(folder, { recursive: true })))
    await made
    await moveIntoPlace(temp, target)
    ctx.progress.addFile()
    return { bytes: counted, etag: bareEtag(response.ETag) || object.etag }
  } catch (err) {
    // Bytes of a failed file were never delivered; keep the byte count honest.
    ctx.progress.current.bytesDone -= counted
    throw asFailure(err, bucket, object.key)
  } finally {
    await rm(temp, { force: true })
  }
}

/** Runs every download with bounded concurrency; the first failure stops the rest. */
async function downloadAll(
  ctx: Omit<DownloadContext, 'signal'>,
  objects: BucketObject[],
  concurrency: number,
  outer: AbortSignal | undefined,
  files: Map<string, MirroredFile>,
): Promise<{ files: number; bytes: number }> {
  // Each download listens to its own signal; one shared by all would collect a listener per
  // request in flight and set off MaxListenersExceededWarning on every sync.
  const group = new AbortGroup(outer)
  const limit = pLimit(concurrency)
  let firstError: unknown
  let bytes = 0
  let count = 0
  const tasks = objects.map((object) =>
    limit(async () => {
      if (group.aborted) return
      try {
        const got = await group.run((own) => downloadObject({ ...ctx, signal: own.signal }, object))
        if (got) {
          files.set(object.key, got)
          bytes += got.bytes
          count += 1
        } else {
          files.delete(object.key)
        }
      } catch (err) {
        firstError ??= err
        group.abort()
      }
    }),
  )
  try {
    await Promise.all(tasks)
  } finally {
    group.close()
  }
  if (firstError !== undefined) throw firstError
  return { files: count, bytes }
}

export async function mirrorBucket(opts: MirrorOptions): Promise<MirrorSummary> {
  const started = performance.now()
  const { s3, bucket, signal } = opts
  const dest = resolve(opts.dest)
  if (signal?.aborted) throw interrupted(bucket)

  const previous = await readManifest(dest)
  const trusted = previous?.bucket === bucket ? previous.files : new Map<string, MirroredFile>()
  const manifest: MirrorManifest = { bucket, complete: false, objects: 0, files: new Map() }
  try {
    if (previous?.complete) await writeManifest(dest, { ...previous, complete: false })

    const objects = (await listObjects(s3, bucket, signal)).filter((o) => !isFolderMarker(o.key))
    assertMirrorableKeys(
      bucket,
      objects.map((o) => o.key),
    )
    manifest.objects = objects.length

    await mkdir(dest, { recursive: true })
    await removeStalePartials(dest)
    const local = await listLocalFiles(dest)

    const wanted = new Set(objects.map((o) => o.key))
    const toDownload: BucketObject[] = []
    let unchangedBytes = 0
    for (const object of objects) {
      const file = local.get(object.key)
      const known = trusted.get(object.key)
      const same =
        file?.regular === true &&
        file.bytes === object.bytes &&
        known?.bytes === object.bytes &&
        known.etag === object.etag
      if (same) {
        manifest.files.set(object.key, known)
        unchangedBytes += object.bytes
      } else {
        toDownload.push(object)
      }
    }
    // Recorded before any file changes: after a crash only the untouched files are trusted.
    await writeManifest(dest, manifest)

    const extra = [...local].filter(([key]) => !wanted.has(key))
    await Promise.all(extra.map(([, entry]) => rm(entry.path, { force: true })))
    await removeEmptyFolders(dest)

    const progress = progressCounter(
      {
        filesDone: objects.length - toDownload.length,
        filesTotal: objects.length,
        bytesDone: unchangedBytes,
        bytesTotal: objects.reduce((sum, o) => sum + o.bytes, 0),
      },
      opts.onProgress,
    )
    progress.flush()
    if (signal?.aborted) throw interrupted(bucket)
    const downloaded = await downloadAll(
      { s3, bucket, dest, progress, folders: new Map() },
      toDownload,
      Math.max(1, opts.concurrency ?? 16),
      signal,
      manifest.files,
    )
    progress.flush()

    manifest.complete = true
    manifest.completedAt = new Date().toISOString()
    manifest.objects = manifest.files.size
    await writeManifest(dest, manifest)
    return {
      downloaded: downloaded.files,
      deleted: extra.length,
      unchanged: objects.length - toDownload.length,
      bytesDownloaded: downloaded.bytes,
      objects: manifest.files.size,
      ms: Math.round(performance.now() - started),
    }
  } catch (err) {
    // Keep what did arrive, so the next run downloads only the rest; never marked complete.
    if (manifest.files.size > 0) await writeManifest(dest, manifest).catch(() => undefined)
    if (signal?.aborted) throw interrupted(bucket)
    if (err instanceof AppFailure) throw err
    throw asFailure(err, bucket)
  }
}
