// A content-addressed store of fixed-size records on disk: bytes in under a hex key, the same
// bytes out. It holds decoded training pixels and backbone embeddings, so it knows nothing of
// either. Several workers may write one store at once: each open store appends to a shard of its
// own (`<random>.records` + `<random>.index`) and reads every shard's index when it opens. An
// index line is written only after its record's bytes, and a line that is torn or points past the
// end of its data file is ignored, so a crash mid-write never yields half a record taken for whole.
// Opening a store dates each shard's index as used, which is what cache eviction goes by.

import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  openSync,
  readSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs'
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AppFailure, appError } from '../../src-shared/errors'

export interface RecordStore {
  readonly dir: string
  readonly recordBytes: number
  /** Records known: those found on open plus those written since. */
  readonly size: number
  has(key: string): boolean
  /** Copies the record into target at offset; false when absent. Synchronous positional read (the worker thread does nothing else meanwhile). */
  read(key: string, target: Uint8Array, offset?: number): boolean
  /** Appends the record (no-op if present). */
  write(key: string, record: Uint8Array): void
  /**
   * Where a record lies, as one number (shard and byte position), for callers that keep many
   * rows and cannot afford a key string per row; undefined when absent.
   */
  locate(key: string): number | undefined
  /** Copies the record at an address from `locate` into target at offset. */
  readAt(address: number, target: Uint8Array, offset?: number): void
  /**
   * Flushes and closes every open file; the store stays usable and reopens what it needs. Lets a
   * caller hold no file open between bursts of work.
   */
  releaseFiles(): void
  /** Flushes, closes files; safe to call twice. */
  close(): void
}

const DATA_SUFFIX = '.records'
const INDEX_SUFFIX = '.index'
/** Written once per store: the record size every shard in it uses. */
const LAYOUT_FILE = 'store.json'
/** Bytes of one shard an address can reach (256 GiB); shards × span stays below 2^53. */
const SHARD_SPAN = 2 ** 38
const KEY_PATTERN = /^[0-9a-f]{1,128}$/
const INDEX_LINE = /^([0-9a-f]{1,128}) (\d{1,15})$/

interface Shard {
  data: string
  readFd?: number
}

/** The shard this store appends to, created with its first record. */
interface OwnShard {
  shard: number
  data: string
  index: string
  dataFd?: number
  indexFd?: number
  /** Bytes of whole records written; the next record goes here. */
  end: number
  records: number
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function writeFailed(dir: string, error: unknown): AppFailure {
  const reason = reasonOf(error)
  const full = /ENOSPC|EDQUOT/.test(reason)
  return new AppFailure(
    appError(
      'CACHE_WRITE_FAILED',
      `Cannot write to the cache folder ${dir}: ${full ? 'the disk is full' : reason}`,
      { details: { dir, reason } },
    ),
  )
}

function sizeMismatch(dir: string, expected: number, given: number, what: string): AppFailure {
  return new AppFailure(
    appError(
      'RECORD_SIZE_MISMATCH',
      `${what} ${given} bytes, but the store in ${dir} holds records of ${expected} bytes`,
      { details: { dir, recordBytes: expected, given } },
    ),
  )
}

/**
 * The store's record size, fixed by whoever opens it first. The layout file appears whole or not
 * at all (a hard link of a finished file), so a concurrent opener never reads half of it.
 */
async function settleLayout(dir: string, recordBytes: number): Promise<void> {
  const path = join(dir, LAYOUT_FILE)
  const draft = join(dir, `${randomBytes(8).toString('hex')}.layout`)
  try {
    await writeFile(draft, JSON.stringify({ recordBytes }))
    await link(draft, path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw writeFailed(dir, error)
  } finally {
    await rm(draft, { force: true })
  }
  const layout = JSON.parse(await readFile(path, 'utf8')) as { recordBytes?: unknown }
  if (layout.recordBytes !== recordBytes)
    throw sizeMismatch(dir, Number(layout.recordBytes), recordBytes, 'Opened for records of')
}

/** Every whole, fully written record of one shard, as key → byte position. */
function readShardIndex(dir: string, name: string, recordBytes: number): [string, number][] {
  let text: string
  let dataBytes: number
  try {
    // Index before data: any record the index names was written before the data file is sized.
    text = readFileSync(join(dir, name + INDEX_SUFFIX), 'utf8')
    dataBytes = statSync(join(dir, name + DATA_SUFFIX)).size
  } catch {
    return []
  }
  const lines = text.split('\n')
  lines.pop() // after the last newline: empty, or a line torn mid-write
  const entries: [string, number][] = []
  for (const line of lines) {
    const match = INDEX_LINE.exec(line)
    if (match === null) continue
    const position = Number(match[2])
    if (position % recordBytes !== 0 || position + recordBytes > dataBytes) continue
    entries.push([match[1] as string, position])
  }
  return entries
}

/**
 * Dates a shard's index as used now: the cache's size limit evicts the least recently used
 * shards first, and reading leaves no trace of its own (access times are often not kept).
 */
function markUsed(path: string): void {
  try {
    const now = new Date()
    utimesSync(path, now, now)
  } catch {
    // A read-only cache still works; it is only evicted as if unused.
  }
}

function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return
  try {
    closeSync(fd)
  } catch {
    // Already closed: nothing left to release.
  }
}

/** Every store opened in this thread and not yet closed. */
const openStores = new Set<RecordStore>()

/**
 * Closes every store this thread still has open: called when the thread is about to be stopped
 * from outside, which would otherwise leave their files open in the process.
 */
export function closeOpenRecordStores(): void {
  for (const store of [...openStores]) store.close()
}

export async function openRecordStore(dir: string, recordBytes: number): Promise<RecordStore> {
  if (!Number.isInteger(recordBytes) || recordBytes < 1)
    throw new AppFailure(
      appError(
        'RECORD_SIZE_MISMATCH',
        `Record size must be a positive integer, not ${recordBytes}`,
        {
          details: { dir, recordBytes },
        },
      ),
    )
  try {
    await mkdir(dir, { recursive: true })
  } catch (error) {
    throw writeFailed(dir, error)
  }
  await settleLayout(dir, recordBytes)

  const shards: Shard[] = []
  const addresses = new Map<string, number>()
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith(INDEX_SUFFIX)) continue
    const name = file.slice(0, -INDEX_SUFFIX.length)
    const entries = readShardIndex(dir, name, recordBytes)
    if (entries.length === 0) continue
    markUsed(join(dir, file))
    const base = shards.length * SHARD_SPAN
    shards.push({ data: join(dir, name + DATA_SUFFIX) })
    for (const [key, position] of entries)
      if (!addresses.has(key)) addresses.set(key, base + position)
  }

  let own: OwnShard | undefined
  let broken: unknown
  let closed = false

  const ensureOpen = () => {
    if (closed)
      throw new AppFailure(
        appError('RECORD_STORE_CLOSED', `The record store in ${dir} is closed`, {
          details: { dir },
        }),
      )
  }

  const startShard = (): OwnShard => {
    const name = randomBytes(8).toString('hex')
    const shard: OwnShard = {
      shard: shards.length,
      data: join(dir, name + DATA_SUFFIX),
      index: join(dir, name + INDEX_SUFFIX),
      end: 0,
      records: 0,
    }
    // Exclusive creation: a name another store already took fails instead of being shared.
    shard.dataFd = openSync(shard.data, 'wx')
    try {
      shard.indexFd = openSync(shard.index, 'wx')
    } catch (error) {
      closeQuietly(shard.dataFd)
      unlinkSync(shard.data)
      throw error
    }
    shards.push({ data: shard.data })
    return shard
  }

  const writeAll = (fd: number, bytes: Uint8Array, position: number | null) => {
    let done = 0
    while (done < bytes.length) {
      const at = position === null ? null : position + done
      done += writeSync(fd, bytes, done, bytes.length - done, at)
    }
  }

  const readAt = (address: number, target: Uint8Array, offset = 0) => {
    ensureOpen()
    if (offset < 0 || offset + recordBytes > target.length)
      throw new RangeError(`A record of ${recordBytes} bytes does not fit at ${offset}`)
    const shard = shards[Math.floor(address / SHARD_SPAN)]
    if (shard === undefined) throw new RangeError(`No record at address ${address}`)
    const position = address % SHARD_SPAN
    shard.readFd ??= openSync(shard.data, 'r')
    let done = 0
    while (done < recordBytes) {
      const got = readSync(shard.readFd, target, offset + done, recordBytes - done, position + done)
      if (got === 0)
        throw new AppFailure(
          appError('CACHE_READ_FAILED', `A record in ${shard.data} was cut short`, {
            details: { dir, position },
          }),
        )
      done += got
    }
  }

  const closeOwnFiles = () => {
    if (own === undefined) return
    for (const fd of [own.dataFd, own.indexFd])
      if (fd !== undefined) {
        try {
          fsyncSync(fd)
        } catch {
          // Flushing is best effort; what reached the index is still checked on the next open.
        }
        closeQuietly(fd)
      }
    delete own.dataFd
    delete own.indexFd
  }

  const releaseFiles = () => {
    for (const shard of shards) {
      closeQuietly(shard.readFd)
      delete shard.readFd
    }
    closeOwnFiles()
  }

  const store: RecordStore = {
    dir,
    recordBytes,
    get size() {
      return addresses.size
    },
    has: (key) => addresses.has(key),
    locate: (key) => addresses.get(key),
    read(key, target, offset = 0) {
      const address = addresses.get(key)
      if (address === undefined) return false
      readAt(address, target, offset)
      return true
    },
    readAt,
    write(key, record) {
      ensureOpen()
      if (!KEY_PATTERN.test(key))
        throw new AppFailure(
          appError('INVALID_RECORD_KEY', `Record keys are lowercase hex strings, not "${key}"`, {
            details: { dir },
          }),
        )
      if (record.length !== recordBytes)
        throw sizeMismatch(dir, recordBytes, record.length, 'A record of')
      if (addresses.has(key)) return
      // After a failed write the shard's tail is unknown: nothing more goes into it.
      if (broken !== undefined) throw writeFailed(dir, broken)
      try {
        own ??= startShard()
        own.dataFd ??= openSync(own.data, 'r+')
        own.indexFd ??= openSync(own.index, 'a')
        writeAll(own.dataFd, record, own.end)
        writeAll(own.indexFd, Buffer.from(`${key} ${own.end}\n`), null)
      } catch (error) {
        broken = error
        throw writeFailed(dir, error)
      }
      addresses.set(key, own.shard * SHARD_SPAN + own.end)
      own.end += recordBytes
      own.records++
      if (own.end + recordBytes > SHARD_SPAN) {
        closeOwnFiles()
        own = undefined
      }
    },
    releaseFiles,
    close() {
      if (closed) return
      releaseFiles()
      closed = true
      openStores.delete(store)
      // A shard whose first record failed is removed rather than left for every opener to read.
      if (own !== undefined && own.records === 0)
        for (const file of [own.data, own.index])
          try {
            unlinkSync(file)
          } catch {
            // Already gone.
          }
    },
  }
  openStores.add(store)
  return store
}
