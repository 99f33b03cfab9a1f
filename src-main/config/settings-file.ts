// `<home>/settings.json`: read and checked once at start (an invalid file is a clear error naming
// the file and the field, never a crash), and written whole through a temp file and a rename
// (both flushed to disk), so a crash or a power cut mid-save leaves the previous file in place.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SETTINGS_FILE_NAME, type SettingsDocument } from '../../src-shared/app-settings'
import { checkSettingsDocument } from '../../src-shared/settings-checks'
import { AppFailure, appError } from '../../src-shared/errors'
import { writeFileAtomically } from '../platform/atomic-file'

export function settingsFilePath(home: string): string {
  return join(home, SETTINGS_FILE_NAME)
}

function fileError(file: string, message: string, field?: string): AppFailure {
  const where = field ? `${file}, field "${field}"` : file
  return new AppFailure(
    appError('INVALID_SETTING', `${where}: ${message}`, { file, ...(field && { field }) }),
  )
}

/** The checked document; an empty one when there is no file yet. */
export function readSettingsFile(file: string): SettingsDocument {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (thrown) {
    if ((thrown as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw fileError(file, `cannot be read (${(thrown as Error).message})`)
  }
  // An empty file (say, one a user truncated) reads as no settings rather than broken JSON.
  if (text.trim() === '') return {}
  let raw: unknown
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (thrown) {
    throw fileError(file, `is not valid JSON: ${(thrown as Error).message}`)
  }
  const checked = checkSettingsDocument(raw)
  if (!checked.ok) throw fileError(file, checked.error.message, checked.error.field)
  return checked.document
}

/** Checks the document, then replaces the file in one rename. */
export async function writeSettingsFile(file: string, document: SettingsDocument): Promise<void> {
  const checked = checkSettingsDocument(document)
  if (!checked.ok) throw new AppFailure({ ...checked.error, file })
  try {
    // Owner-only: the file may hold a profile name or a sealed secret.
    await writeFileAtomically(file, `${JSON.stringify(checked.document, null, 2)}\n`, {
      mode: 0o600,
    })
  } catch (thrown) {
    throw new AppFailure(
      appError('SETTINGS_NOT_SAVED', `${file} could not be written: ${(thrown as Error).message}`, {
        file,
      }),
    )
  }
}
