import { createHash } from 'node:crypto'
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { openRecordStore, type RecordStore } from '../../src-main/cache/record-store'

const BYTES = 16

/** A record whose bytes say which one it is, and its sha256 key. */
function record(n: number): { key: string; bytes: Uint8Array } {
  const bytes = new Uint8Array(BYTES).map((_, i) => (n * 31 + i) % 256)
  return { key: createHash('sha256').update(bytes).digest('hex'), bytes }
}

function readBack(store: RecordStore, key: string): Uint8Array | undefined {
  const target = new Uint8Array(BYTES)
  return store.read(key, target) ? target : undefined
}

function failureOf(run: () => unknown): Promise<unknown> {
  return Promise.resolve()
    .then(run)
    .then(
      () => undefined,
      (error: unknown) => (error instanceof AppFailure ? error.error : error),
    )
}

const filesOf = (dir: string, suffix: string) => readdirSync(dir).filter((f) => f.endsWith(suffix))

let dir: string
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'record-store-')), 'store')
})
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }))

describe('openRecordStore', () => {
  it('gives back what was written, at an offset, and ignores a key written twice', async () => {
    const store = await openRecordStore(dir, BYTES)
    const [a, b] = [record(1), record(2)]
    expect(store.size).toBe(0)
    expect(store.has(a.key)).toBe(false)
    expect(store.read(a.key, new Uint8Array(BYTES))).toBe(false)
    store.write(a.key, a.bytes)
    store.write(b.key, b.bytes)
    store.write(a.key, b.bytes) // present: a no-op, the first bytes stay
    expect(store.size).toBe(2)
    expect(readBack(store, a.key)).toEqual(a.bytes)
    const target = new Uint8Array(BYTES * 3)
    expect(store.read(b.key, target, BYTES * 2)).toBe(true)
    expect(target.subarray(BYTES * 2)).toEqual(b.bytes)
    expect(target.subarray(0, BYTES * 2).every((v) => v === 0)).toBe(true)
    expect(() => store.read(a.key, new Uint8Array(BYTES), 1)).toThrow(RangeError)
    store.close()
    store.close()
    expect(() => store.read(a.key, new Uint8Array(BYTES))).toThrow(/closed/)
  })

  it('finds every record again after reopening, and leaves no empty shard behind', async () => {
    const first = await openRecordStore(dir, BYTES)
    for (let n = 0; n < 5; n++) first.write(record(n).key, record(n).bytes)
    first.close()
    const second = await openRecordStore(dir, BYTES)
    expect(second.size).toBe(5)
    for (let n = 0; n < 5; n++) expect(readBack(second, record(n).key)).toEqual(record(n).bytes)
    second.close() // read only: it never made a shard
    expect(filesOf(dir, '.records')).toHaveLength(1)
    expect(filesOf(dir, '.index')).toHaveLength(1)
  })

  it('lets two stores write at once into shards of their own, and a third read both', async () => {
    const left = await openRecordStore(dir, BYTES)
    const right = await openRecordStore(dir, BYTES)
    for (let n = 0; n < 20; n++) {
      left.write(record(n).key, record(n).bytes)
      right.write(record(100 + n).key, record(100 + n).bytes)
    }
    right.write(record(3).key, record(3).bytes) // the same record from another job
    // Each sees only what it knew when opened and what it wrote itself.
    expect(left.has(record(100).key)).toBe(false)
    expect(filesOf(dir, '.records')).toHaveLength(2)
    const reader = await openRecordStore(dir, BYTES)
    expect(reader.size).toBe(40)
    for (const n of [0, 3, 19, 100, 119])
      expect(readBack(reader, record(n).key), String(n)).toEqual(record(n).bytes)
    left.close()
    right.close()
    reader.close()
  })

  it('ignores a torn index line and records whose bytes did not all reach the data file', async () => {
    const store = await openRecordStore(dir, BYTES)
    for (let n = 0; n < 4; n++) store.write(record(n).key, record(n).bytes)
    store.close()
    const [data] = filesOf(dir, '.records')
    const [index] = filesOf(dir, '.index')
    if (data === undefined || index === undefined) throw new Error('no shard was written')
    // A crash while the last record was being written: half its bytes, and half an index line.
    truncateSync(join(dir, data), BYTES * 3 + BYTES / 2)
    appendFileSync(join(dir, index), `${record(9).key.slice(0, 20)}`)
    const reopened = await openRecordStore(dir, BYTES)
    expect(reopened.size).toBe(3)
    expect(reopened.has(record(3).key)).toBe(false)
    expect(reopened.has(record(9).key.slice(0, 20))).toBe(false)
    expect(readBack(reopened, record(2).key)).toEqual(record(2).bytes)
    // The lost record can be written again, into a new shard.
    reopened.write(record(3).key, record(3).bytes)
    reopened.close()
    const last = await openRecordStore(dir, BYTES)
    expect(last.size).toBe(4)
    expect(readBack(last, record(3).key)).toEqual(record(3).bytes)
    last.close()
  })

  it('refuses records of the wrong size and a store opened with another record size', async () => {
    const store = await openRecordStore(dir, BYTES)
    expect(await failureOf(() => store.write(record(1).key, new Uint8Array(BYTES - 1)))).toEqual(
      expect.objectContaining({
        code: 'RECORD_SIZE_MISMATCH',
        message: `A record of ${BYTES - 1} bytes, but the store in ${dir} holds records of ${BYTES} bytes`,
      }),
    )
    expect(await failureOf(() => store.write('Not Hex', record(1).bytes))).toMatchObject({
      code: 'INVALID_RECORD_KEY',
    })
    store.close()
    expect(await failureOf(() => openRecordStore(dir, BYTES * 2))).toMatchObject({
      code: 'RECORD_SIZE_MISMATCH',
      message: expect.stringContaining(`holds records of ${BYTES} bytes`),
      details: { dir, recordBytes: BYTES, given: BYTES * 2 },
    })
  })

  it('fails with CACHE_WRITE_FAILED, naming the folder, where it cannot write', async () => {
    const blocker = join(dir, '..', 'a-file')
    writeFileSync(blocker, '')
    const inside = join(blocker, 'store')
    expect(await failureOf(() => openRecordStore(inside, BYTES))).toMatchObject({
      code: 'CACHE_WRITE_FAILED',
      message: expect.stringContaining(inside),
      details: { dir: inside },
    })
    expect(statSync(blocker).size).toBe(0)
  })
})
