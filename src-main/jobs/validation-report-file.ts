// The last validation report of a client's mirrored dataset, kept on disk so the UI still shows it
// after a restart. It sits beside the mirror folder (like the mirror's own record), never inside
// it: a sync makes the folder exactly like the bucket and would delete it. The report names the
// mirror record it was made from; once the mirror holds other files it is no longer served.

import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { AnnotationReport } from '../../src-shared/annotation-report'
import { writeFileAtomically } from '../platform/atomic-file'
import { readManifest, type MirrorManifest } from '../storage/mirror-manifest'

interface ReportFileV1 {
  version: 1
  /** Hash of the mirror record's files (key, size, ETag) when the report was made. */
  mirror: string
  savedAt: string
  report: AnnotationReport
}

export function validationReportPath(datasetRoot: string): string {
  const folder = resolve(datasetRoot)
  return join(dirname(folder), `.${basename(folder)}.validation-report.json`)
}

/** Identifies what the mirror holds; the sync time is left out, so an unchanged re-sync matches. */
export function mirrorFingerprint(manifest: MirrorManifest): string {
  const hash = createHash('sha256').update(manifest.bucket).update('\0')
  for (const key of [...manifest.files.keys()].sort()) {
    const file = manifest.files.get(key)
    hash.update(`${key}\0${file?.bytes ?? 0}\0${file?.etag ?? ''}\n`)
  }
  return hash.digest('hex')
}

/** Keeps the report of a finished mirror; without a complete mirror record nothing is kept. */
export async function saveValidationReport(
  datasetRoot: string,
  report: AnnotationReport,
): Promise<void> {
  const manifest = await readManifest(datasetRoot)
  if (!manifest?.complete) return
  const body: ReportFileV1 = {
    version: 1,
    mirror: mirrorFingerprint(manifest),
    savedAt: new Date().toISOString(),
    report,
  }
  await writeFileAtomically(validationReportPath(datasetRoot), JSON.stringify(body))
}

/** The kept report, or undefined when there is none or the mirror changed since it was made. */
export async function loadValidationReport(
  datasetRoot: string,
  manifest?: MirrorManifest,
): Promise<AnnotationReport | undefined> {
  const mirror = manifest ?? (await readManifest(datasetRoot))
  if (!mirror?.complete) return undefined
  try {
    const raw = JSON.parse(
      await readFile(validationReportPath(datasetRoot), 'utf8'),
    ) as Partial<ReportFileV1>
    if (raw.version !== 1 || raw.mirror !== mirrorFingerprint(mirror)) return undefined
    const report = raw.report
    return report && Array.isArray(report.findings) ? report : undefined
  } catch {
    return undefined
  }
}
