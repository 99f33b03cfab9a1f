// Files that others read (run records, manifests, settings, exported models, journals) are written
// beside their final name and renamed into place, so a reader never takes a half-written file for
// a whole one. The data and then the folder entry are flushed to disk before the rename counts as
// done: without that a power cut can leave the new name pointing at an empty file.

import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Flushes a file's (or a folder's) contents to disk. */
async function syncPath(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags)
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Flushes a folder so a rename or a new entry inside it survives a power cut. */
export async function syncFolder(folder: string): Promise<void> {
  try {
    await syncPath(folder, 'r')
  } catch (error) {
    // Windows cannot open a folder for fsync; its renames are journaled by NTFS instead.
    if (process.platform !== 'win32') throw error
  }
}

/** Runs `write` on a temporary sibling of `file`, flushes it, then renames it to `file`. */
export async function replaceAtomically(
  file: string,
  write: (temporary: string) => Promise<void>,
): Promise<void> {
  const folder = dirname(file)
  await mkdir(folder, { recursive: true })
  const temporary = join(
    folder,
    `.${basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  )
  try {
    await write(temporary)
    await syncPath(temporary, 'r+')
    await rename(temporary, file)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
  await syncFolder(folder)
}

export async function writeFileAtomically(file: string, data: string | Uint8Array): Promise<void> {
  await replaceAtomically(file, (temporary) => writeFile(temporary, data))
}

/** JSON with a trailing newline, written atomically. */
export async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  await writeFileAtomically(file, `${JSON.stringify(value, null, 2)}\n`)
}
