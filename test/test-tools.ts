// Vitest's global setup: the suite needs Chromium (the UI is tested in a real browser), h5py (the
// exported model.h5 is read back the way Keras reads it) and the AWS CLI (the embedded store is
// checked against a real S3 client) and redis-server (the fleet runs on a real Redis). Without one of them the suite stops before any test runs and
// says what to install, instead of passing with those checks skipped.

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { CHROMIUM_PATH } from './e2e/browser'

export interface TestToolPaths {
  chromium: string
  python: string
  aws: string
  /** Redis, which the fleet tests start on a free port. */
  redis: string
}

/** The programs the tests themselves start. */
export const TEST_TOOLS: TestToolPaths = {
  chromium: CHROMIUM_PATH,
  python: '/usr/bin/python3',
  aws: process.env.AWS_CLI ?? 'aws',
  redis: '/usr/bin/redis-server',
}

export interface MissingTool {
  what: string
  aptPackage: string
}

function runs(command: string, args: string[], env: NodeJS.ProcessEnv): boolean {
  return spawnSync(command, args, { env, stdio: 'ignore', timeout: 30_000 }).status === 0
}

/** The tools the suite needs that this machine lacks; `env` supplies the PATH looked in. */
export function missingTestTools(
  paths: TestToolPaths = TEST_TOOLS,
  env: NodeJS.ProcessEnv = process.env,
): MissingTool[] {
  const missing: MissingTool[] = []
  if (!existsSync(paths.chromium))
    missing.push({ what: `Chromium at ${paths.chromium}`, aptPackage: 'chromium' })
  if (!runs(paths.python, ['-c', 'import h5py'], env))
    missing.push({ what: `h5py for ${paths.python}`, aptPackage: 'python3-h5py' })
  if (!runs(paths.aws, ['--version'], env))
    missing.push({ what: `the AWS CLI (${paths.aws})`, aptPackage: 'awscli' })
  if (!runs(paths.redis, ['--version'], env))
    missing.push({ what: `redis-server (${paths.redis})`, aptPackage: 'redis-server' })
  return missing
}

/** What to tell a person whose machine lacks these tools. */
export function missingToolsMessage(missing: readonly MissingTool[]): string {
  return (
    `npm test needs ${missing.map((tool) => tool.what).join(', ')}, not found on this machine. ` +
    `On Debian/Ubuntu: sudo apt-get install ${missing.map((tool) => tool.aptPackage).join(' ')}`
  )
}

export default function checkTestTools(): void {
  const missing = missingTestTools()
  if (missing.length > 0) throw new Error(missingToolsMessage(missing))
}
