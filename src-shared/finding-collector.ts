// Gathers validation findings in document order. Each code lists at most a fixed number of
// findings and then one summary of the rest, so a dataset with 100,000 missing files still gives
// a report the UI can show and the endpoint can send.

import type { Finding, FindingCode, Severity } from './annotation-report'
import { jsonPath, type JsonPathSegment, type Locator } from './parse-annotations-json'

export const FINDINGS_LISTED_PER_CODE = 100

export interface FindingPlace {
  /** Where in annotations.json; becomes `path`, and `line`/`column` when the file is small enough. */
  at?: readonly JsonPathSegment[]
  /** A path that is not a JSON path (such as `coco/annotations.json`). */
  path?: string
  file?: string
  line?: number
  column?: number
}

interface Pending {
  finding: Finding
  at?: readonly JsonPathSegment[]
}

interface Overflow {
  errors: number
  warnings: number
}

export class FindingCollector {
  private readonly pending: Pending[] = []
  private readonly listed = new Map<FindingCode, number>()
  private readonly overflow = new Map<FindingCode, Overflow>()
  private errorCount = 0

  add(code: FindingCode, severity: Severity, message: string, place: FindingPlace = {}): void {
    if (severity === 'error') this.errorCount++
    const listed = this.listed.get(code) ?? 0
    if (listed >= FINDINGS_LISTED_PER_CODE) {
      const rest = this.overflow.get(code) ?? { errors: 0, warnings: 0 }
      if (severity === 'error') rest.errors++
      else rest.warnings++
      this.overflow.set(code, rest)
      return
    }
    this.listed.set(code, listed + 1)
    const finding: Finding = { code, severity, message }
    const path = place.at === undefined ? place.path : jsonPath(place.at)
    if (path !== undefined) finding.path = path
    if (place.file !== undefined) finding.file = place.file
    if (place.line !== undefined) finding.line = place.line
    if (place.column !== undefined) finding.column = place.column
    this.pending.push({ finding, at: place.at })
  }

  hasErrors(): boolean {
    return this.errorCount > 0
  }

  /** The findings, with positions looked up, and one summary per code that overflowed. */
  finish(locate?: Locator): Finding[] {
    const findings = this.pending.map(({ finding, at }) => {
      if (at === undefined || locate === undefined || finding.line !== undefined) return finding
      const position = locate(at)
      return position === undefined ? finding : { ...finding, ...position }
    })
    for (const [code, rest] of this.overflow) {
      const count = rest.errors + rest.warnings
      findings.push({
        code,
        severity: rest.errors > 0 ? 'error' : 'warning',
        message: `${count} more ${code} finding${count === 1 ? '' : 's'} not listed`,
      })
    }
    return findings
  }
}
