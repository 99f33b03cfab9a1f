// Builds ipc-page-bridge.ts (and the preload bridge it wraps) into one classic script for the
// page's init scripts, in memory, from the current sources.

import { resolve } from 'node:path'
import { build, type Rollup } from 'vite'

export async function buildIpcPageBridge(): Promise<string> {
  const output = await build({
    configFile: false,
    logLevel: 'warn',
    mode: 'production',
    build: {
      write: false,
      minify: false,
      lib: {
        entry: resolve(import.meta.dirname, 'ipc-page-bridge.ts'),
        formats: ['iife'],
        name: 'trainingServerIpcPageBridge',
      },
    },
  })
  const results = (Array.isArray(output) ? output : [output]) as Rollup.RollupOutput[]
  const chunk = results.flatMap((result) => result.output).find((file) => file.type === 'chunk')
  if (!chunk) throw new Error('the IPC page bridge built to no script')
  return chunk.code
}
