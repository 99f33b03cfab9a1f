// Files that others read (run records, manifests, settings, exported models, journals) are written
// beside their final name and renamed into place, so a reader never takes a half-written file for
// a whole one. The data and then the folder entry are flushed to disk before the rename counts as
// done: without that a power cut can leave the new name pointing at an empty file.

import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
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

/** Flushes a folder's files and subfolders (not the folder itself) to disk. */
async function syncTree(folder: string): Promise<void> {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) {
      await syncTree(path)
      await syncFolder(path)
    } else if (entry.isFile()) await syncPath(path, 'r+')
  }
}

/**
 * Moves a file that is already whole (written and closed) to its final name: its data is flushed
 * first and its folder after, so the new name never survives a power cut without the content.
 */
export async function moveIntoPlace(temporary: string, file: string): Promise<void> {
  await syncPath(temporary, 'r+')
  await rename(temporary, file)
  await syncFolder(dirname(file))
}

/**
 * Renames a file or a whole folder (a download moved into place, a model moved aside) so the
 * move survives a power cut: what is moved is flushed first, both folders' entries after.
 */
export async function renameDurably(from: string, to: string): Promise<void> {
  if ((await stat(from)).isDirectory()) {
    await syncTree(from)
    await syncFolder(from)
  } else await syncPath(from, 'r+')
  await rename(from, to)
  await syncFolder(dirname(to))
  if (dirname(from) !== dirname(to)) await syncFolder(dirname(from))
}

const TEMPORARY_PATTERN = /^\.(.+)\.(\d+)-[0-9a-f]{8}\.tmp$/

function temporaryOf(file: string): string {
  return join(
    dirname(file),
    `.${basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  )
}

/** True while a process with that id runs (then its temporary files may still be in use). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Deletes the temporary siblings of `file` that processes which no longer run left behind (a
 * write cut short by a kill). Those of running processes may be writes in progress and stay.
 */
export async function removeStaleTemporaries(file: string): Promise<void> {
  const folder = dirname(file)
  const names = await readdir(folder).catch(() => [] as string[])
  await Promise.all(
    names.map(async (name) => {
      const match = TEMPORARY_PATTERN.exec(name)
      if (match?.[1] !== basename(file)) return
      const pid = Number(match[2])
      if (pid !== process.pid && !processRuns(pid)) await rm(join(folder, name), { force: true })
    }),
  )
}

/** Runs `write` on a temporary sibling of `file`, flushes it, then renames it to `file`. */
export async function replaceAtomically(
  file: string,
  write: (temporary: string) => Promise<void>,
): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  const temporary = temporaryOf(file)
  try {
    await write(temporary)
    await moveIntoPlace(temporary, file)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}

export async function writeFileAtomically(
  file: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  await replaceAtomically(file, (temporary) => writeFile(temporary, data, options))
}

/** JSON with a trailing newline, written atomically. */
export async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  await writeFileAtomically(file, `${JSON.stringify(value, null, 2)}\n`)
}
