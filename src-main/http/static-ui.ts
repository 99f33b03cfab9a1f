// Serves the built web UI (out/renderer) so the headless server shows the same UI in a browser.
// Only files inside the UI folder are ever served: paths are decoded once, then resolved and
// checked against the folder; anything else is simply "not a UI file".

import { createReadStream, existsSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { dirname, extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
}

/** The built UI: next to the sources (tsx, tests) or next to the bundled main process. */
export function findUiDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [resolve(here, '../../out/renderer'), resolve(here, '../renderer')]
  return candidates.find((dir) => existsSync(join(dir, 'index.html')))
}

/** The file a URL path names inside the UI folder, or undefined when it names none. */
export function uiFilePath(uiDir: string, pathname: string): string | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return undefined
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined
  const root = resolve(uiDir)
  const file = resolve(root, `.${decoded === '/' ? '/index.html' : decoded}`)
  return file.startsWith(root + sep) ? file : undefined
}

/** Sends a UI file; false when the path names no file of the UI (the caller answers 404). */
export async function serveUiFile(
  res: ServerResponse,
  uiDir: string,
  pathname: string,
): Promise<boolean> {
  const file = uiFilePath(uiDir, pathname)
  if (!file) return false
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile()) return false
  const ext = extname(file).toLowerCase()
  const hashedAsset = pathname.startsWith('/assets/')
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
    'content-length': info.size,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    // Vite puts a content hash in asset names; index.html must always be fetched fresh.
    'cache-control': hashedAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
  })
  await new Promise<void>((done) => {
    createReadStream(file)
      .on('error', () => {
        res.destroy()
        done()
      })
      .on('end', done)
      .pipe(res)
  })
  return true
}
