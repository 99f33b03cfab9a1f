import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FINDING_CODES } from '../../src-shared/annotation-report'
import { ERROR_STATUS, isErrorCode, statusOfCode } from '../../src-shared/error-codes'
import { toAppError } from '../../src-shared/errors'

const ROOT = join(__dirname, '..', '..')
const SOURCE_DIRS = ['src-main', 'src-shared', 'src-renderer']

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path)
    return /\.(ts|tsx|vue|mjs|js)$/.test(entry.name) ? [path] : []
  })
}

/** Codes written as literals where errors are made: `appError('X'` (across lines) and `code: 'X'`. */
function codesInSources(): Map<string, string> {
  const found = new Map<string, string>()
  const patterns = [
    /appError\(\s*['"]([A-Z][A-Z0-9_]+)['"]/g,
    /\bcode:\s*['"]([A-Z][A-Z0-9_]+)['"]/g,
  ]
  for (const dir of SOURCE_DIRS)
    for (const file of sourceFiles(join(ROOT, dir))) {
      const text = readFileSync(file, 'utf8')
      for (const pattern of patterns)
        for (const match of text.matchAll(pattern))
          if (!found.has(match[1]!)) found.set(match[1]!, file.slice(ROOT.length + 1))
    }
  return found
}

// `code: 'X'` also writes validation findings (a separate union) and Node's errno codes.
const NOT_ERROR_CODES = new Set(['ENOENT'])

describe('error codes', () => {
  it('gives every code an HTTP error status', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      expect(Number.isInteger(status), code).toBe(true)
      expect(status, code).toBeGreaterThanOrEqual(400)
      expect(status, code).toBeLessThanOrEqual(599)
    }
  })

  it('has a status for every code the sources write', () => {
    const findings = new Set<string>(FINDING_CODES)
    const found = codesInSources()
    expect(found.size).toBeGreaterThan(50)
    const missing = [...found]
      .filter(([code]) => !isErrorCode(code) && !findings.has(code) && !NOT_ERROR_CODES.has(code))
      .map(([code, file]) => `${code} (${file})`)
    expect(missing).toEqual([])
  })

  it('answers MIRROR_WRITE_FAILED with a deliberate status, not the 500 of an unknown code', () => {
    expect(statusOfCode('MIRROR_WRITE_FAILED')).toBe(507)
  })

  it('tells codes of the table from other strings', () => {
    expect(isErrorCode('CLIENT_BUSY')).toBe(true)
    expect(isErrorCode('CLIENT_BUSY_')).toBe(false)
    expect(isErrorCode('toString')).toBe(false)
    expect(isErrorCode(404)).toBe(false)
  })

  it('does not take an errno code for one of its own', () => {
    const thrown = Object.assign(new Error('no such file'), { code: 'ENOENT' })
    expect(toAppError(thrown, 'MIRROR_WRITE_FAILED').code).toBe('MIRROR_WRITE_FAILED')
  })
})
