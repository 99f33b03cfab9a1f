// The kept validation report: served while the mirror is what it was made from, not after the
// mirror changed, and never for a mirror whose last sync did not finish.

import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AnnotationReport } from '../../src-shared/annotation-report'
import {
  loadValidationReport,
  saveValidationReport,
} from '../../src-main/jobs/validation-report-file'
import { writeManifest, type MirrorManifest } from '../../src-main/storage/mirror-manifest'

const report: AnnotationReport = {
  ok: true,
  errors: 0,
  warnings: 1,
  findings: [{ code: 'IMAGE_UNREADABLE', severity: 'warning', message: 'x', file: 'a.jpg' }],
  stats: { images: 2, annotations: 2, categories: 2, imagesPerClass: {}, unreadableImages: 1 },
}

function manifest(etag: string, complete = true): MirrorManifest {
  return {
    bucket: 'training-server-c',
    complete,
    completedAt: new Date().toISOString(),
    objects: 1,
    files: new Map([['images/a.jpg', { bytes: 10, etag }]]),
  }
}

describe('validation report file', () => {
  let home: string
  let root: string
  beforeEach(async () => {
    home = await mkdtemp(join(process.env.TRAINING_SERVER_HOME ?? '', 'report-'))
    root = join(home, 'train_data', 'c')
    await mkdir(root, { recursive: true })
  })
  afterEach(() => rm(home, { recursive: true, force: true }))

  it('is served while the mirror is unchanged, even after a re-sync at another time', async () => {
    await writeManifest(root, manifest('e1'))
    await saveValidationReport(root, report)
    expect(await readdir(root)).toEqual([])
    await writeManifest(root, manifest('e1'))
    expect(await loadValidationReport(root)).toEqual(report)
  })

  it('is not served once the mirror holds other files', async () => {
    await writeManifest(root, manifest('e1'))
    await saveValidationReport(root, report)
    await writeManifest(root, manifest('e2'))
    expect(await loadValidationReport(root)).toBeUndefined()
  })

  it('is neither kept nor served for an unfinished mirror', async () => {
    await writeManifest(root, manifest('e1', false))
    await saveValidationReport(root, report)
    await writeManifest(root, manifest('e1'))
    expect(await loadValidationReport(root)).toBeUndefined()
    await saveValidationReport(root, report)
    await writeManifest(root, manifest('e1', false))
    expect(await loadValidationReport(root)).toBeUndefined()
  })
})
