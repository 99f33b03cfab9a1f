// The embedded store's per-install access key: made at first start from random bytes, kept in
// `<home>/s3-credentials.json` readable by the owner only, and read back on every later start, so
// the app, the AWS CLI and other local tools share one secret that no other user or page knows.

import { randomBytes } from 'node:crypto'
import { chmod, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AppFailure, appError } from '../../src-shared/errors'
import { replaceAtomically } from '../platform/atomic-file'

export interface StoreCredentials {
  accessKeyId: string
  secretAccessKey: string
}

const FILE_NAME = 's3-credentials.json'
const OWNER_ONLY = 0o600
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/
const SECRET = /^[A-Za-z0-9+/]{32,128}$/

/** Where the store's credentials live inside the data folder. */
export function storeCredentialsFile(home: string): string {
  return join(home, FILE_NAME)
}

function malformed(why: string): AppFailure {
  return new AppFailure(
    appError(
      'S3_CREDENTIALS_INVALID',
      `The embedded store's credentials file ${FILE_NAME} ${why}; ` +
        'delete it to have new credentials made at the next start',
      { file: FILE_NAME },
    ),
  )
}

function parse(text: string): StoreCredentials {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw malformed('is not JSON')
  }
  const { accessKeyId, secretAccessKey } = (value ?? {}) as Record<string, unknown>
  if (typeof accessKeyId !== 'string' || !ACCESS_KEY_ID.test(accessKeyId))
    throw malformed('has no valid "accessKeyId" (16 or more upper-case letters and digits)')
  if (typeof secretAccessKey !== 'string' || !SECRET.test(secretAccessKey))
    throw malformed('has no valid "secretAccessKey" (32 or more base64 characters)')
  return { accessKeyId, secretAccessKey }
}

/** Fresh random credentials in the shape AWS uses (a 20-character id, a 40-character secret). */
export function generateStoreCredentials(): StoreCredentials {
  const id = randomBytes(15)
    .toString('base64')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, 'X')
  return {
    accessKeyId: `TS${id}`.slice(0, 20),
    secretAccessKey: randomBytes(30).toString('base64'),
  }
}

/**
 * The credentials in `file`, made and written there first when it does not exist. A file that
 * others may read is narrowed to owner-only rather than refused: it was written owner-only, so a
 * wider mode comes from a copy or a restore, and refusing would only stop the app from starting.
 */
export async function loadStoreCredentials(file: string): Promise<StoreCredentials> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (thrown) {
    if ((thrown as NodeJS.ErrnoException).code !== 'ENOENT') throw thrown
    const made = generateStoreCredentials()
    await replaceAtomically(file, (temporary) =>
      writeFile(temporary, `${JSON.stringify(made, null, 2)}\n`, { mode: OWNER_ONLY }),
    )
    await chmod(file, OWNER_ONLY)
    return made
  }
  const credentials = parse(text)
  // Windows has no owner/group/other mode bits; its per-user profile folder is private already.
  if (process.platform !== 'win32' && ((await stat(file)).mode & 0o077) !== 0)
    await chmod(file, OWNER_ONLY)
  return credentials
}
