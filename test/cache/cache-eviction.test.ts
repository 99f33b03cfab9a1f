import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { evictLeastRecentlyUsed } from '../../src-main/cache/cache-eviction'
import { openRecordStore } from '../../src-main/cache/record-store'

const RECORD = 1024
const RECORDS = 8

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ts-eviction-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

/** A store with one shard of RECORDS records, all its files dated `daysAgo`. */
async function fillStore(name: string, daysAgo: number): Promise<string> {
  const dir = join(root, name)
  const store = await openRecordStore(dir, RECORD)
  for (let i = 0; i < RECORDS; i++)
    store.write(
      `${name.charCodeAt(0).toString(16)}${i.toString(16).padStart(4, '0')}`,
      new Uint8Array(RECORD).fill(i),
    )
  store.close()
  const at = new Date(Date.now() - daysAgo * 86_400_000)
  for (const file of await readdir(dir)) await utimes(join(dir, file), at, at)
  return dir
}

async function bytesUnder(dir: string): Promise<number> {
  let total = 0
  for (const store of await readdir(dir).catch(() => [] as string[]))
    for (const file of await readdir(join(dir, store)).catch(() => [] as string[]))
      if (file.endsWith('.records') || file.endsWith('.index'))
        total += (await stat(join(dir, store, file))).size
  return total
}

describe('evictLeastRecentlyUsed', () => {
  it('removes nothing under the limit', async () => {
    await fillStore('a', 3)
    const before = await bytesUnder(root)
    expect(await evictLeastRecentlyUsed(root, before)).toMatchObject({ removedShards: 0 })
    expect(await bytesUnder(root)).toBe(before)
  })

  it('removes the least recently used shards until the cache fits, and a store stays usable', async () => {
    await fillStore('a', 30)
    await fillStore('b', 20)
    await fillStore('c', 10)
    const one = (await bytesUnder(root)) / 3
    // Opening a store counts as using it: 'a' is now the most recently used.
    const a = await openRecordStore(join(root, 'a'), RECORD)
    expect(a.size).toBe(RECORDS)
    a.close()

    const done = await evictLeastRecentlyUsed(root, Math.ceil(one * 1.5))
    expect(done.removedShards).toBe(2)
    expect(done.keptBytes).toBeLessThanOrEqual(one * 1.5)
    expect(await bytesUnder(root)).toBeLessThanOrEqual(one * 1.5)
    // 'b' and 'c' were used longest ago; their emptied folders go as well.
    expect((await readdir(root)).sort()).toEqual(['a'])
    const again = await openRecordStore(join(root, 'a'), RECORD)
    const target = new Uint8Array(RECORD)
    expect(again.read('610003', target)).toBe(true)
    expect(target[0]).toBe(3)
    again.close()

    // A store evicted entirely starts again empty.
    const b = await openRecordStore(join(root, 'b'), RECORD)
    expect(b.size).toBe(0)
    b.close()
  })

  it('removes data a crash left without its index, whatever the limit', async () => {
    const dir = await fillStore('a', 1)
    await writeFile(join(dir, 'deadbeef.records'), new Uint8Array(RECORD * 2))
    const done = await evictLeastRecentlyUsed(root, 10 * 2 ** 30)
    expect(done).toMatchObject({ removedShards: 1, removedBytes: RECORD * 2 })
    expect((await readdir(dir)).some((file) => file.startsWith('deadbeef'))).toBe(false)
  })

  it('answers an empty result for a cache that does not exist yet', async () => {
    expect(await evictLeastRecentlyUsed(join(root, 'none'), 0)).toEqual({
      removedShards: 0,
      removedBytes: 0,
      keptBytes: 0,
    })
  })
})
