// The layering lint rules, checked on snippets at virtual paths so that a config edit which drops a
// folder's restriction (or the raw-IPC one it must repeat) fails here instead of passing silently.

import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const eslint = new ESLint({ cwd: root })
const RULE = '@typescript-eslint/no-restricted-imports'

/** The restricted-import messages ESLint reports for `code` placed at `filePath`. */
async function restricted(filePath: string, code: string): Promise<string[]> {
  const results = await eslint.lintText(`${code}\nexport const used = [x]\n`, { filePath })
  expect(results).toHaveLength(1)
  const result = results[0]!
  const fatal = result.messages.filter((message) => message.fatal)
  expect(fatal).toEqual([])
  return result.messages.filter((message) => message.ruleId === RULE).map((m) => m.message)
}

type Case = [file: string, code: string]

const forbidden: Case[] = [
  ['src-shared/foo.ts', "import { x } from 'node:fs'"],
  ['src-shared/foo.ts', "import { x } from 'fs'"],
  ['src-shared/tasks/foo.ts', "import { x } from '../../src-main/core'"],
  ['src-shared/foo.ts', "import { x } from '../src-renderer/app'"],
  ['src-shared/foo.ts', "import { x } from 'react'"],
  ['src-main/platform/foo.ts', "import { x } from '../config/settings'"],
  ['src-main/platform/foo.ts', "import { x } from '../cache/record-store'"],
  ['src-main/cache/foo.ts', "import { x } from '../storage/s3-client'"],
  ['src-main/config/foo.ts', "import { x } from '../storage/s3-client'"],
  ['src-main/storage/foo.ts', "import { x } from '../http/server'"],
  ['src-main/storage/foo.ts', "import { x } from '../jobs/job-service'"],
  ['src-main/storage/foo.ts', "import { x } from '../dataset/load-dataset'"],
  ['src-main/dataset/foo.ts', "import { x } from '../engine/train-classifier'"],
  ['src-main/dataset/foo.ts', "import { x } from '../config/settings'"],
  ['src-main/engine/foo.ts', "import { x } from '../storage/s3-client'"],
  ['src-main/engine/evaluation/foo.ts', "import { x } from '../../jobs/job'"],
  ['src-main/jobs/foo.ts', "import { x } from '../http/server'"],
  ['src-main/jobs/foo.ts', "import { x } from '../electron/main-window'"],
  ['src-main/jobs/foo.ts', "import { x } from '../core'"],
  ['src-main/jobs/foo.ts', "import { x } from '../headless'"],
  ['src-main/jobs/foo.ts', "import { x } from '../fleet/fleet-queue'"],
  ['src-main/engine/foo.ts', "import { x } from '../fleet/fleet-queue'"],
  ['src-main/fleet/foo.ts', "import { x } from '../http/server'"],
  ['src-main/fleet/foo.ts', "import { x } from '../electron/main-window'"],
  ['src-main/fleet/foo.ts', "import { x } from '../core'"],
  ['src-main/http/foo.ts', "import { x } from '../storage/s3-client'"],
  ['src-main/http/foo.ts', "import { x } from '../engine/train-classifier'"],
  ['src-main/http/foo.ts', "import { x } from '../electron/core-api'"],
  ['src-main/http/foo.ts', "import { x } from '../core'"],
  ['src-main/electron/foo.ts', "import { x } from '../http/server'"],
  ['src-main/electron/foo.ts', "import { x } from '../config/settings'"],
  ['src-main/electron/foo.ts', "import { x } from '../config/secret-cipher'"],
  ['src-main/electron/foo.ts', "import { x } from '../dataset/load-dataset'"],
  ['src-main/core.ts', "import { x } from './http/server'"],
  ['src-main/settings-service.ts', "import { x } from './electron/core-api'"],
  ['src-renderer/foo.ts', "import { x } from '../src-main/jobs/job'"],
  ['src-renderer/store/foo.ts', "import { x } from '../../src-main/core'"],
  ['src-renderer/foo.ts', "import { x } from 'node:path'"],
  ['src-renderer/foo.ts', "import { x } from 'electron'"],
  // The raw-IPC restriction survives every folder block that sets the same rule.
  ['src-main/electron/foo.ts', "import { ipcMain as x } from 'electron'"],
  ['src-main/jobs/foo.ts', "import { ipcMain as x } from 'electron'"],
  ['src-main/index.ts', "import { ipcRenderer as x } from 'electron'"],
  ['src-main/electron/preload.ts', "import { x } from '../http/server'"],
]

const allowed: Case[] = [
  ['src-shared/foo.ts', "import { x } from './errors'"],
  ['src-shared/tasks/foo.ts', "import { x } from '../errors'"],
  ['src-shared/foo.ts', "import { x } from 'jsonc-parser'"],
  ['src-main/platform/foo.ts', "import { x } from 'node:fs'"],
  ['src-main/platform/foo.ts', "import { x } from '../../src-shared/errors'"],
  ['src-main/cache/foo.ts', "import { x } from '../platform/atomic-file'"],
  ['src-main/config/foo.ts', "import { x } from '../platform/atomic-file'"],
  ['src-main/storage/foo.ts', "import { x } from '../config/settings'"],
  ['src-main/storage/foo.ts', "import { x } from '@aws-sdk/client-s3'"],
  ['src-main/dataset/foo.ts', "import { x } from '../platform/atomic-file'"],
  ['src-main/engine/foo.ts', "import { x } from '../dataset/load-dataset'"],
  ['src-main/engine/foo.ts', "import { x } from '../cache/record-store'"],
  ['src-main/engine/foo.ts', "import { x } from './dataset-defaults'"],
  ['src-main/jobs/foo.ts', "import { x } from '../engine/train-classifier'"],
  ['src-main/jobs/foo.ts', "import { x } from '../storage/s3-client'"],
  ['src-main/http/foo.ts', "import { x } from '../jobs/job-service'"],
  ['src-main/fleet/foo.ts', "import { x } from '../jobs/job-service'"],
  ['src-main/fleet/foo.ts', "import { x } from '../storage/s3-client'"],
  ['src-main/fleet/foo.ts', "import { x } from 'bullmq'"],
  ['src-main/http/foo.ts', "import { x } from '../fleet/worker-registry'"],
  ['src-main/electron/foo.ts', "import { x } from '../fleet/worker-registry'"],
  ['src-main/http/foo.ts', "import type { x } from '../core'"],
  ['src-main/http/foo.ts', "import { x } from '../settings-service'"],
  ['src-main/electron/foo.ts', "import type { x } from '../config/secret-cipher'"],
  ['src-main/electron/foo.ts', "import { app as x } from 'electron'"],
  ['src-main/electron/ipc-main.ts', "import { ipcMain as x } from 'electron'"],
  ['src-main/electron/preload.ts', "import { ipcRenderer as x } from 'electron'"],
  ['src-main/headless.ts', "import { x } from './http/server'"],
  ['src-main/core.ts', "import { x } from './storage/s3-client'"],
  ['src-renderer/foo.ts', "import { x } from '../src-shared/errors'"],
  ['src-renderer/foo.ts', "import { x } from 'react'"],
  ['src-renderer/foo.ts', "import { x } from 'zustand/vanilla'"],
  ['src-renderer/foo.ts', "import { x } from '@tanstack/react-virtual'"],
  ['test/jobs/foo.ts', "import { x } from '../../src-main/http/server'"],
]

describe('layering lint rules', () => {
  it.each(forbidden)('%s: %s is an error', async (file, code) => {
    const messages = await restricted(file, code)
    expect(messages.length).toBeGreaterThan(0)
    for (const message of messages) expect(message).toMatch(/architecture\.md|typed IPC wrappers/)
  })

  it.each(allowed)('%s: %s passes', async (file, code) => {
    expect(await restricted(file, code)).toEqual([])
  })
})
