// Makes sure out/renderer holds a build of the current UI sources: the UI tests serve that build
// through the real endpoint, so a stale build would test yesterday's UI.

import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { build } from 'vite'
import { rendererConfig } from '../../electron.vite.config'

const repo = resolve(import.meta.dirname, '../..')
export const rendererOut = join(repo, 'out/renderer')

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

export async function ensureRendererBuild(): Promise<void> {
  const index = join(rendererOut, 'index.html')
  const sources = Math.max(
    newestMtime(join(repo, 'src-renderer')),
    newestMtime(join(repo, 'src-shared')),
  )
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return
  await build({ ...rendererConfig, configFile: false, logLevel: 'warn', mode: 'production' })
}
