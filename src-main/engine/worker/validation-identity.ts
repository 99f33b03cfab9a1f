// The identity of a run's validation split and of the dataset it came from, recorded in the
// model's metrics.json: two models whose validation ids are equal were scored on the same images
// (same names, same bytes, same labels), so their validation scores compare directly.

import { createHash } from 'node:crypto'
import type { ValidationSetIdentity } from '../../../src-shared/model-versions'

export interface IdentifiedImage {
  fileName: string
  /** sha256 of the file's bytes. */
  contentHash: string
  /** The class name, not its index: a renumbered category list must not look the same. */
  label: string
}

function hashImages(images: IdentifiedImage[]): string {
  const lines = images
    .map((image) => `${image.fileName}\t${image.contentHash}\t${image.label}`)
    .sort()
  return createHash('sha256').update(lines.join('\n')).digest('hex')
}

export function validationSetIdentity(
  all: IdentifiedImage[],
  validation: IdentifiedImage[],
): ValidationSetIdentity {
  return { id: hashImages(validation), images: validation.length, datasetId: hashImages(all) }
}
