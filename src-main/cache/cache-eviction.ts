// Keeps a cache folder (decoded pixels, embeddings) under a size limit by deleting whole shards,
// least recently used first. A record store marks its shards used when it opens them, and writing
// dates a shard too, so a shard's newest file time is its last use. The index goes before the
// data: a crash in between leaves data no index names, which the next pass removes; a store never
// reads a shard without its index. Callers run this only while no worker has a store open.

import { readdir, rm, rmdir, stat } from 'node:fs/promises'
import { join } from 'node:path'

const DATA_SUFFIX = '.records'
const INDEX_SUFFIX = '.index'

interface ShardFiles {
  dir: string
  name: string
  bytes: number
  lastUsed: number
  /** A data file without its index: never readable again. */
  orphan: boolean
}

async function sizeAndTime(path: string): Promise<{ bytes: number; time: number } | undefined> {
  const info = await stat(path).catch(() => undefined)
  return info?.isFile() ? { bytes: info.size, time: info.mtimeMs } : undefined
}

/** Every shard of every store under root (one level of store folders). */
async function listShards(root: string): Promise<ShardFiles[]> {
  const stores = await readdir(root, { withFileTypes: true }).catch(() => [])
  const shards: ShardFiles[] = []
  for (const entry of stores) {
    if (!entry.isDirectory()) continue
    const dir = join(root, entry.name)
    const files = await readdir(dir).catch(() => [] as string[])
    const names = new Set(
      files
        .filter((file) => file.endsWith(DATA_SUFFIX) || file.endsWith(INDEX_SUFFIX))
        .map((file) => file.slice(0, file.lastIndexOf('.'))),
    )
    for (const name of names) {
      const data = await sizeAndTime(join(dir, name + DATA_SUFFIX))
      const index = await sizeAndTime(join(dir, name + INDEX_SUFFIX))
      shards.push({
        dir,
        name,
        bytes: (data?.bytes ?? 0) + (index?.bytes ?? 0),
        lastUsed: Math.max(data?.time ?? 0, index?.time ?? 0),
        orphan: index === undefined,
      })
    }
  }
  return shards
}

export interface Eviction {
  removedShards: number
  removedBytes: number
  /** Bytes left under root. */
  keptBytes: number
}

/** Deletes the least recently used shards under root until at most maxBytes remain. */
export async function evictLeastRecentlyUsed(root: string, maxBytes: number): Promise<Eviction> {
  const shards = await listShards(root)
  let total = shards.reduce((sum, shard) => sum + shard.bytes, 0)
  const result: Eviction = { removedShards: 0, removedBytes: 0, keptBytes: total }
  // Orphans first (they hold nothing readable), then oldest use first.
  shards.sort((a, b) => Number(b.orphan) - Number(a.orphan) || a.lastUsed - b.lastUsed)
  const emptied = new Set<string>()
  for (const shard of shards) {
    if (total <= maxBytes && !shard.orphan) break
    await rm(join(shard.dir, shard.name + INDEX_SUFFIX), { force: true })
    await rm(join(shard.dir, shard.name + DATA_SUFFIX), { force: true })
    total -= shard.bytes
    result.removedShards++
    result.removedBytes += shard.bytes
    emptied.add(shard.dir)
  }
  result.keptBytes = total
  // A store left without shards goes too (its layout file alone), so folders do not pile up.
  for (const dir of emptied) {
    const left = await readdir(dir).catch(() => [] as string[])
    if (left.some((file) => file.endsWith(DATA_SUFFIX) || file.endsWith(INDEX_SUFFIX))) continue
    await rm(dir, { recursive: true, force: true }).catch(() => rmdir(dir).catch(() => undefined))
  }
  return result
}
