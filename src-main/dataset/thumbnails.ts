// Small square WebP previews of dataset images for the UI, made once and kept on disk. The cache
// key includes the source's size and modification time, so a re-synced image gets a new preview
// without anyone having to clear the cache; the same key is the preview's ETag.

import { createHash } from 'node:crypto'
import { mkdir, realpath, stat } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join, relative, resolve, sep, isAbsolute } from 'node:path'
import pLimit from 'p-limit'
import { AppFailure, appError } from '../../src-shared/errors'
import { fileNameProblem, normalizeFileName } from '../../src-shared/image-file-name'
import { THUMBNAIL_SIZES } from '../../src-shared/thumbnail-path'
import { replaceAtomically } from '../platform/atomic-file'
import { openImage, reasonOf } from './image-input'

/** Requests for the same preview share one encoding instead of racing. */
const inFlight = new Map<string, Promise<void>>()
/** A burst of first views queues here instead of starting a decode per request at once. */
const encodeSlots = pLimit(Math.max(1, availableParallelism()))

export interface Thumbnail {
  path: string
  contentType: 'image/webp'
  /** Changes whenever the source image or the size does. */
  etag: string
}

function isInside(folder: string, target: string): boolean {
  const path = relative(folder, target)
  return path !== '' && !path.startsWith(`..${sep}`) && path !== '..' && !isAbsolute(path)
}

function unsafe(file: string, problem: string): AppFailure {
  return new AppFailure(
    appError('UNSAFE_FILE_NAME', `thumbnail of "${file}" refused: ${problem}`, { file }),
  )
}

async function encode(source: string, target: string, size: number, file: string): Promise<void> {
  try {
    await replaceAtomically(target, async (temp) => {
      await openImage(source)
        .autoOrient()
        .resize(size, size, { fit: 'cover' })
        .webp({ quality: 80 })
        .toFile(temp)
    })
  } catch (thrown) {
    throw new AppFailure(
      appError(
        'IMAGE_UNREADABLE',
        `images/${file} cannot be made into a thumbnail: ${reasonOf(thrown)}`,
        {
          file,
        },
      ),
    )
  }
}

export async function thumbnail(
  imagesDir: string,
  file: string,
  cacheDir: string,
  size = 128,
): Promise<Thumbnail> {
  if (!THUMBNAIL_SIZES.includes(size))
    throw new AppFailure(
      appError(
        'INVALID_THUMBNAIL_SIZE',
        `thumbnail size must be one of ${THUMBNAIL_SIZES.join(', ')}`,
        {
          field: 'size',
          details: { allowed: [...THUMBNAIL_SIZES] },
        },
      ),
    )
  const problem = fileNameProblem(file)
  if (problem !== undefined) throw unsafe(file, problem)
  const name = normalizeFileName(file)
  const folder = resolve(imagesDir)
  const source = resolve(folder, ...name.split('/'))
  if (!isInside(folder, source)) throw unsafe(file, 'it is outside the images folder')

  let info
  try {
    info = await stat(source)
  } catch {
    info = undefined
  }
  if (info === undefined || !info.isFile())
    throw new AppFailure(
      appError('IMAGE_FILE_MISSING', `images/${name} does not exist`, { file: name }),
    )
  // A symbolic link inside images/ must not lead a request to files elsewhere.
  if (!isInside(await realpath(folder), await realpath(source)))
    throw unsafe(file, 'it links outside the images folder')

  const key = createHash('sha256')
    .update(`${name}\0${size}\0${info.size}\0${info.mtimeMs}`)
    .digest('hex')
    .slice(0, 32)
  const target = join(cacheDir, `${key}.webp`)
  const made: Thumbnail = { path: target, contentType: 'image/webp', etag: `"${key}"` }
  const cached = await stat(target).catch(() => undefined)
  if (cached?.isFile()) return made

  let pending = inFlight.get(target)
  if (pending === undefined) {
    pending = encodeSlots(() =>
      mkdir(cacheDir, { recursive: true }).then(() => encode(source, target, size, name)),
    )
    inFlight.set(target, pending)
    void pending.then(
      () => inFlight.delete(target),
      () => inFlight.delete(target),
    )
  }
  await pending
  return made
}
