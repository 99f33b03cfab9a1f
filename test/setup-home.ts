// Every test file runs with TRAINING_SERVER_HOME pointing at a fresh temp folder that is removed
// afterwards, so tests never read or write a real user's data folder.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

const home = mkdtempSync(join(tmpdir(), 'ts-test-home-'))
process.env.TRAINING_SERVER_HOME = home
afterAll(() => rmSync(home, { recursive: true, force: true }))
