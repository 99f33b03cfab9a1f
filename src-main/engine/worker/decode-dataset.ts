// Turning a training request's images into a streamed image set, through the pixel cache: each
// file is read and hashed, and only files whose bytes the cache has not seen at this size are
// decoded (and stored). Images that cannot be read or decoded are skipped with a warning, up to
// the allowed share; above it the run fails. Pixels never pile up in memory: they go to disk and
// the returned set reads them back one batch at a time.

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join, resolve, sep } from 'node:path'
import { AppFailure, appError, toAppError } from '../../../src-shared/errors'
import { openRecordStore, type RecordStore } from '../../cache/record-store'
import { RESIZE_MODE, decodeImageBufferRgb } from '../../dataset/decode-image'
import { decodePlainPngRgb } from '../../dataset/decode-plain-png'
import { reasonOf } from '../../dataset/image-input'
import type { SampleSet } from '../data/image-batches'
import { storedImageSet } from '../data/stored-image-set'
import { progressGate } from '../../platform/rate-gate'
import type { TrainingMessage, TrainingRequest } from './training-protocol'

/** More undecodable images than this share fails the run instead of training on the rest. */
const DEFAULT_MAX_BAD_IMAGE_SHARE = 0.2
/** Individual warnings for bad images; the rest are counted in one summary line. */
const MAX_BAD_IMAGE_WARNINGS = 10
/** Files that sharp decodes at a time (it runs them on libuv's threads). */
const DECODE_CONCURRENCY = 4
/**
 * Items read and hashed between two turns of the event loop: a plain small PNG decodes inline,
 * so without a turn now and then a large dataset would hold back every message to the worker.
 */
const ITEMS_PER_TURN = 256

export interface DecodedDataset {
  /** The usable images, in request order, streamed from the pixel cache. */
  set: SampleSet
  /** The file of each row of `set`. */
  fileNames: string[]
  /** The pixel cache key (sha256 of the file's bytes) of each row of `set`. */
  keys: string[]
  skipped: { file: string; message: string }[]
  /** Rows found in the pixel cache. */
  fromCache: number
  /** Rows decoded (and stored) by this call. */
  decoded: number
  /** Closes the pixel cache; `set` cannot be read afterwards. Safe to call twice. */
  close(): void
}

/** The pixel cache for one input size: records of size×size RGB bytes. */
export function pixelStoreDir(cacheDir: string, size: number): string {
  return join(cacheDir, 'pixels', `${size}px-${RESIZE_MODE}-rgb`)
}

function imagePath(imagesDir: string, fileName: string): string {
  const path = resolve(imagesDir, fileName)
  if (!path.startsWith(imagesDir + sep))
    throw new AppFailure(
      appError('UNSAFE_FILE_NAME', `${fileName} points outside images/`, { file: fileName }),
    )
  return path
}

/**
 * A synchronous read: for the small files of a local mirror it costs a tenth of fs.promises'
 * readFile (several thread-pool round trips per file), and this thread does nothing else meanwhile.
 */
function readImageFile(path: string): Buffer {
  try {
    return readFileSync(path)
  } catch (thrown) {
    const missing = (thrown as NodeJS.ErrnoException).code === 'ENOENT'
    throw new AppFailure(
      appError(
        'IMAGE_UNREADABLE',
        `${path} cannot be decoded: ${missing ? 'is missing' : reasonOf(thrown)}`,
        { file: path },
      ),
    )
  }
}

function pixelKey(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Where each item's pixels are in the store (NaN: skipped), filled in by decodeInto. */
interface Located {
  addresses: Float64Array
  keys: (string | undefined)[]
  skipped: DecodedDataset['skipped']
  fromCache: number
  decoded: number
}

async function decodeInto(
  store: RecordStore,
  request: TrainingRequest,
  post: (m: TrainingMessage) => void,
  size: number,
): Promise<Located> {
  const { items, classes } = request
  const imagesDir = resolve(request.datasetRoot, 'images')
  const located: Located = {
    addresses: new Float64Array(items.length).fill(NaN),
    keys: new Array<string | undefined>(items.length),
    skipped: [],
    fromCache: 0,
    decoded: 0,
  }
  const gate = progressGate()
  // A cache that cannot be written fails the run; the images still queued are not worked on.
  let fatal: { error: unknown } | undefined
  let done = 0
  const countDone = () => {
    done++
    if (gate(done === items.length))
      post({ type: 'progress', stage: 'training', unit: 'images', done, total: items.length })
  }
  const skip = (fileName: string, error: unknown) => {
    const message = toAppError(error).message
    located.skipped.push({ file: fileName, message })
    if (located.skipped.length <= MAX_BAD_IMAGE_WARNINGS)
      post({ type: 'log', level: 'warn', message: `skipped ${fileName}: ${message}` })
    countDone()
  }
  /** Records the row's pixels (undefined: already in the store). */
  const keep = (i: number, key: string, pixels: Uint8Array | undefined) => {
    if (pixels === undefined) located.fromCache++
    else {
      try {
        store.write(key, pixels) // a no-op when a twin file was stored meanwhile
      } catch (error) {
        fatal ??= { error }
        return
      }
      located.decoded++
    }
    located.addresses[i] = store.locate(key) ?? NaN
    located.keys[i] = key
    countDone()
  }
  // Files for sharp, at most DECODE_CONCURRENCY at a time: reading stops while they are full, so
  // the bytes of a dataset of photos never wait in memory all at once.
  const inSharp = new Set<Promise<void>>()
  for (let i = 0; i < items.length && fatal === undefined; i++) {
    if (i > 0 && i % ITEMS_PER_TURN === 0) await new Promise((turn) => setImmediate(turn))
    const item = items[i] as (typeof items)[number]
    let path: string
    let bytes: Buffer
    let key: string
    try {
      if (!(item.label >= 0 && item.label < classes.length))
        throw new Error(`label ${item.label} is not one of the ${classes.length} classes`)
      path = imagePath(imagesDir, item.fileName)
      bytes = readImageFile(path)
      key = pixelKey(bytes)
    } catch (error) {
      skip(item.fileName, error)
      continue
    }
    if (store.has(key)) {
      keep(i, key, undefined)
      continue
    }
    const plain = decodePlainPngRgb(bytes, size)
    if (plain !== undefined) {
      keep(i, key, plain)
      continue
    }
    while (inSharp.size >= DECODE_CONCURRENCY) await Promise.race(inSharp)
    const decoding: Promise<void> = decodeImageBufferRgb(bytes, size, path)
      .then(
        (pixels) => {
          if (fatal === undefined) keep(i, key, pixels)
        },
        (error: unknown) => skip(item.fileName, error),
      )
      .finally(() => inSharp.delete(decoding))
    inSharp.add(decoding)
  }
  await Promise.all(inSharp)
  if (fatal !== undefined) throw fatal.error
  return located
}

export async function decodeDataset(
  request: TrainingRequest,
  post: (m: TrainingMessage) => void,
  opts: { size: number },
): Promise<DecodedDataset> {
  const { items, classes } = request
  const { size } = opts
  const store = await openRecordStore(pixelStoreDir(request.cacheDir, size), size * size * 3)
  try {
    const located = await decodeInto(store, request, post, size)
    const { skipped } = located
    if (skipped.length > MAX_BAD_IMAGE_WARNINGS)
      post({ type: 'log', level: 'warn', message: `${skipped.length} images in all were skipped` })
    const maxShare = request.maxBadImageShare ?? DEFAULT_MAX_BAD_IMAGE_SHARE
    if (items.length === 0 || skipped.length > items.length * maxShare)
      throw new AppFailure(
        appError(
          'TOO_MANY_BAD_IMAGES',
          `${skipped.length} of ${items.length} images could not be decoded (at most ` +
            `${Math.round(maxShare * 100)}% may fail)`,
          {
            details: {
              skipped: skipped.length,
              total: items.length,
              examples: skipped.slice(0, 5),
            },
          },
        ),
      )
    const count = items.length - skipped.length
    const addresses = new Float64Array(count)
    const labels = new Int32Array(count)
    const fileNames: string[] = []
    const keys: string[] = []
    items.forEach((item, i) => {
      const key = located.keys[i]
      if (key === undefined) return
      addresses[keys.length] = located.addresses[i] as number
      labels[keys.length] = item.label
      keys.push(key)
      fileNames.push(item.fileName)
    })
    for (const info of classes)
      if (!labels.includes(info.index))
        post({ type: 'log', level: 'warn', message: `class "${info.name}" has no usable images` })
    // Written records reach the disk now, and no file stays open until the first batch.
    store.releaseFiles()
    return {
      set: storedImageSet(store, addresses, labels, size),
      fileNames,
      keys,
      skipped,
      fromCache: located.fromCache,
      decoded: located.decoded,
      close: () => store.close(),
    }
  } catch (error) {
    store.close()
    throw error
  }
}
