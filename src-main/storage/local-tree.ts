// The local side of a mirror or an upload: every non-folder entry under a root, keyed by its
// path with `/` separators (the same shape as an object key), and clean-up of emptied folders.

import { lstat, readdir, rmdir } from 'node:fs/promises'
import { join } from 'node:path'

export interface LocalEntry {
  /** Absolute path on disk. */
  path: string
  bytes: number
  /** False for symlinks, sockets and the like: never taken as a mirrored file. */
  regular: boolean
}

/** Every file (and other non-folder entry) under `root`; an absent root has none. */
export async function listLocalFiles(root: string): Promise<Map<string, LocalEntry>> {
  const found = new Map<string, LocalEntry>()
  async function visit(folder: string, prefix: string): Promise<void> {
    const entries = await readdir(folder, { withFileTypes: true }).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    })
    await Promise.all(
      entries.map(async (entry) => {
        const path = join(folder, entry.name)
        const key = prefix + entry.name
        if (entry.isDirectory()) return visit(path, `${key}/`)
        const info = await lstat(path)
        found.set(key, { path, bytes: info.size, regular: info.isFile() })
      }),
    )
  }
  await visit(root, '')
  return found
}

/** Removes folders under `root` that hold nothing (after files were deleted); keeps `root`. */
export async function removeEmptyFolders(root: string): Promise<void> {
  async function prune(folder: string): Promise<boolean> {
    const entries = await readdir(folder, { withFileTypes: true })
    let empty = true
    for (const entry of entries) {
      if (entry.isDirectory() && (await prune(join(folder, entry.name)))) {
        await rmdir(join(folder, entry.name))
      } else {
        empty = false
      }
    }
    return empty
  }
  await prune(root)
}
