// Where the PyTorch peers live and whether they can run. The reference scripts sit in the
// `shared/reference/` folder beside the project (or beside one of its parent folders, as for a
// worktree kept under the main checkout's parent); TRAINING_SERVER_SHARED names that folder when it
// is elsewhere. Nothing here is an absolute path: the search starts at this project.

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/** The interpreter Debian's python3-torch is installed for. */
export const PEER_PYTHON = '/usr/bin/python3'

/** The project's root: the folder holding bench/. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '..')

/**
 * The reference script `name` (as `shared/reference/<name>`), found from the project's folder
 * upwards; undefined when no such folder holds it.
 */
export function referenceScript(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  start = PROJECT_ROOT,
): string | undefined {
  if (env.TRAINING_SERVER_SHARED !== undefined) {
    const file = join(env.TRAINING_SERVER_SHARED, 'reference', name)
    return existsSync(file) ? file : undefined
  }
  for (let folder = start; ; folder = dirname(folder)) {
    const file = join(folder, 'shared', 'reference', name)
    if (existsSync(file)) return file
    if (dirname(folder) === folder) return undefined
  }
}

/** Why the PyTorch peer cannot run here, or undefined when it can. */
export function torchPeerMissing(script: string | undefined): string | undefined {
  if (script === undefined) return 'the reference script was not found (set TRAINING_SERVER_SHARED)'
  const probe = spawnSync(PEER_PYTHON, ['-c', 'import torch'], { stdio: 'ignore' })
  if (probe.status !== 0) return `${PEER_PYTHON} cannot import torch (Debian python3-torch)`
  return undefined
}
