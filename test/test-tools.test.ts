// The suite's tool check: a machine without Chromium, h5py, the AWS CLI or redis-server is told what to install.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { missingTestTools, missingToolsMessage } from './test-tools'

let dirs: string[] = []
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  dirs = []
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ts-tools-'))
  dirs.push(dir)
  return dir
}

function fakeProgram(dir: string, name: string, exitCode: number): string {
  const file = join(dir, name)
  writeFileSync(file, `#!/bin/sh\nexit ${exitCode}\n`)
  chmodSync(file, 0o755)
  return file
}

describe('the test tool check', () => {
  it('names every missing tool and the apt-get line that installs them', () => {
    const empty = tempDir()
    const missing = missingTestTools(
      {
        chromium: join(empty, 'chromium'),
        python: join(empty, 'python3'),
        aws: 'aws',
        redis: join(empty, 'redis-server'),
      },
      { PATH: empty },
    )
    expect(missing.map((tool) => tool.aptPackage)).toEqual([
      'chromium',
      'python3-h5py',
      'awscli',
      'redis-server',
    ])
    expect(missingToolsMessage(missing)).toContain(
      'sudo apt-get install chromium python3-h5py awscli redis-server',
    )
  })

  it('counts a python without h5py as missing h5py', () => {
    const bin = tempDir()
    const chromium = fakeProgram(bin, 'chromium', 0)
    fakeProgram(bin, 'aws', 0)
    // A python that cannot import h5py exits non-zero.
    const python = fakeProgram(bin, 'python3', 1)
    const redis = fakeProgram(bin, 'redis-server', 0)
    const missing = missingTestTools({ chromium, python, aws: 'aws', redis }, { PATH: bin })
    expect(missing.map((tool) => tool.aptPackage)).toEqual(['python3-h5py'])
  })

  it('finds nothing missing when all four are there', () => {
    const bin = tempDir()
    const chromium = fakeProgram(bin, 'chromium', 0)
    const python = fakeProgram(bin, 'python3', 0)
    const redis = fakeProgram(bin, 'redis-server', 0)
    fakeProgram(bin, 'aws', 0)
    expect(missingTestTools({ chromium, python, aws: 'aws', redis }, { PATH: bin })).toEqual([])
  })
})
