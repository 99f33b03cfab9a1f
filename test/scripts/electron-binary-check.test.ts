// The desktop app's start check: with no Electron binary (what `npm install` leaves) it names the
// command that fetches it and exits 1; with the binary in place it stays silent.

import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DESKTOP_INSTALL_COMMAND,
  electronBinaryProblem,
  electronPackageDir,
} from '../../scripts/electron-binary-check'

const SCRIPT = resolve('scripts/electron-binary-check.ts')
const TSX = resolve('node_modules/tsx/dist/cli.mjs')

let dirs: string[] = []
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  dirs = []
})

/** A project folder whose node_modules/electron is what `npm install` leaves: no binary. */
function projectWithoutBinary(): { root: string; electronDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'ts-electron-check-'))
  dirs.push(root)
  writeFileSync(join(root, 'package.json'), '{"name":"p","private":true}')
  const electronDir = join(root, 'node_modules', 'electron')
  mkdirSync(electronDir, { recursive: true })
  writeFileSync(join(electronDir, 'package.json'), '{"name":"electron","version":"41.0.0"}')
  writeFileSync(join(electronDir, 'index.js'), 'module.exports = ""')
  return { root, electronDir }
}

describe('electron binary check', () => {
  it('exits 1 telling to run the desktop install command when the binary is missing', () => {
    const { root } = projectWithoutBinary()
    const env = { ...process.env }
    delete env.ELECTRON_OVERRIDE_DIST_PATH
    const run = spawnSync(process.execPath, [TSX, SCRIPT], { cwd: root, env, encoding: 'utf8' })
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(`Run \`${DESKTOP_INSTALL_COMMAND}\``)
    expect(run.stderr).not.toContain('Electron uninstall')
  })

  it('is silent once path.txt names a binary that exists', () => {
    const { root, electronDir } = projectWithoutBinary()
    expect(electronPackageDir(root)).toBe(electronDir)
    writeFileSync(join(electronDir, 'path.txt'), 'electron')
    // path.txt alone (an interrupted download) is not enough.
    expect(electronBinaryProblem(electronDir, {})).toContain(DESKTOP_INSTALL_COMMAND)
    mkdirSync(join(electronDir, 'dist'))
    writeFileSync(join(electronDir, 'dist', 'electron'), '')
    expect(electronBinaryProblem(electronDir, {})).toBeUndefined()
    const run = spawnSync(process.execPath, [TSX, SCRIPT], { cwd: root, encoding: 'utf8' })
    expect(run.status).toBe(0)
    expect(run.stderr).toBe('')
  })

  it('says to run npm install when electron is not installed at all', () => {
    const root = mkdtempSync(join(tmpdir(), 'ts-electron-check-'))
    dirs.push(root)
    expect(electronPackageDir(root)).toBeUndefined()
    expect(electronBinaryProblem(undefined)).toContain('npm install')
  })
})
