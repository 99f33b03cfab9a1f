// Files the engine hands over are written beside their final name and renamed into place, so a
// reader (an upload, a later job) never takes a half-written file for a whole one.

import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Runs `write` on a temporary sibling of `file`, then renames it to `file`. */
export async function replaceAtomically(
  file: string,
  write: (temporary: string) => Promise<void>,
): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  const temporary = join(
    dirname(file),
    `.${basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`,
  )
  try {
    await write(temporary)
    await rename(temporary, file)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}

export async function writeFileAtomically(file: string, data: string | Uint8Array): Promise<void> {
  await replaceAtomically(file, (temporary) => writeFile(temporary, data))
}

/** JSON with a trailing newline, written atomically. */
export async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  await writeFileAtomically(file, `${JSON.stringify(value, null, 2)}\n`)
}
