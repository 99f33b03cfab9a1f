// Run before `npm start` / `npm run dev`: `npm install` does not download the Electron binary
// (the headless server and the tests need none), so the desktop app checks for it first and, when
// it is missing, says the one command that fetches it instead of electron-vite's bare
// "Electron uninstall".

import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

export const DESKTOP_INSTALL_COMMAND = 'npm run desktop:install'

/** The folder of the installed `electron` package, or undefined when it is not installed. */
export function electronPackageDir(fromDir: string): string | undefined {
  try {
    const require = createRequire(join(fromDir, 'package.json'))
    return dirname(require.resolve('electron/package.json'))
  } catch {
    return undefined
  }
}

/**
 * Why the desktop app cannot start yet, as a message telling what to run, or undefined when the
 * Electron binary is in place. Mirrors how the `electron` package itself finds its binary
 * (`path.txt` naming a file under `dist/`, or ELECTRON_OVERRIDE_DIST_PATH).
 */
export function electronBinaryProblem(
  packageDir: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (!packageDir) return 'The electron package is not installed: run `npm install` first.'
  const pathFile = join(packageDir, 'path.txt')
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : ''
  const distDir = env.ELECTRON_OVERRIDE_DIST_PATH ?? join(packageDir, 'dist')
  if (name && existsSync(join(distDir, name))) return undefined
  return (
    'The Electron binary is not installed yet (`npm install` does not download it; the ' +
    `headless server needs none). Run \`${DESKTOP_INSTALL_COMMAND}\` once to download it, ` +
    'then start the desktop app again. Without it, `npm run serve` runs the same app in a browser.'
  )
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problem = electronBinaryProblem(electronPackageDir(process.cwd()))
  if (problem) {
    console.error(problem)
    process.exit(1)
  }
}
