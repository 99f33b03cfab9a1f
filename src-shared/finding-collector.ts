// Gathers validation findings in document order. Each code lists at most a fixed number of
// findings and then one summary of the rest, and the whole list has a cap too, so a dataset with
// 100,000 missing files still gives a report the UI can show and the endpoint can send. The
// counts of errors and warnings are always the true ones, listed or not.

import type { Finding, FindingCode, Severity } from './annotation-report'
import { jsonPath, type JsonPathSegment, type Locator } from './parse-annotations-json'

export const FINDINGS_LISTED_PER_CODE = 100
/** Findings listed over all codes; the per-code summaries come on top. */
export const FINDINGS_LISTED_IN_ALL = 1000

/** True counts of what was found, listed or not. */
export interface FindingTotals {
  errors: number
  warnings: number
  /** How many of them are listed one by one. */
  listed: number
}

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
  private warningCount = 0

  add(code: FindingCode, severity: Severity, message: string, place: FindingPlace = {}): void {
    if (severity === 'error') this.errorCount++
    else this.warningCount++
    const listed = this.listed.get(code) ?? 0
    if (listed >= FINDINGS_LISTED_PER_CODE || this.pending.length >= FINDINGS_LISTED_IN_ALL) {
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

  totals(): FindingTotals {
    return { errors: this.errorCount, warnings: this.warningCount, listed: this.pending.length }
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
