// Reading coco/annotations.json as text, with the size limit that keeps parsing affordable.

import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Finding } from '../../src-shared/annotation-report'

export const ANNOTATIONS_FILE = 'coco/annotations.json'
/**
 * Larger files are refused before reading: parsing holds several times the file's size in memory.
 * 32 MiB lists some 200,000 images, far more than one machine trains on.
 */
export const ANNOTATIONS_SIZE_LIMIT = 32 * 1024 * 1024

/** The annotations text, or the finding that explains why there is none to validate. */
export async function readAnnotationsText(
  root: string,
): Promise<{ text: string } | { finding: Omit<Finding, 'severity' | 'path'> }> {
  const file = join(root, ...ANNOTATIONS_FILE.split('/'))
  const info = await stat(file).catch(() => undefined)
  if (info === undefined || !info.isFile())
    return {
      finding: {
        code: 'ANNOTATIONS_MISSING',
        message: `${ANNOTATIONS_FILE} is not in the dataset`,
      },
    }
  if (info.size > ANNOTATIONS_SIZE_LIMIT)
    return {
      finding: {
        code: 'ANNOTATIONS_TOO_LARGE',
        message: `${ANNOTATIONS_FILE} is ${(info.size / 2 ** 20).toFixed(0)} MB, above the ${ANNOTATIONS_SIZE_LIMIT / 2 ** 20} MB limit`,
      },
    }
  try {
    return { text: await readFile(file, 'utf8') }
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown)
    return {
      finding: {
        code: 'ANNOTATIONS_MISSING',
        message: `${ANNOTATIONS_FILE} cannot be read: ${reason}`,
      },
    }
  }
}
