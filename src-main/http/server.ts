// The embedded endpoint on 127.0.0.1: the seed's /progress and /interrupt, the UI's /api routes,
// GET / (health JSON, or the web UI for a browser), and the built UI's files. Every request passes
// the guards first; every failure is answered as `{ error: AppError }`.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AppFailure, appError, toAppError } from '../../src-shared/errors'
import { ROUTES } from '../../src-shared/http-api'
import type { Core } from '../core'
import { handleApi } from './api-routes'
import { BrowserSessions, type BrowserSessionsOptions } from './browser-sessions'
import { handleHome } from './home-route'
import { handleInterrupt, handleProgress, handleRetryUpload } from './progress-routes'
import { browserGetProblem, hostProblem, originProblem, tokenProblem } from './request-guards'
import { sendError } from './responses'
import type { ServerContext } from './server-context'
import { findUiDir, serveUiFile } from './static-ui'
import { createSettingsService, type SettingsService } from '../settings-service'

export interface HttpServer {
  port: number
  url: string
  close(): Promise<void>
}

export interface HttpServerOptions {
  /** Defaults to settings.port; 0 picks a free port. */
  port?: number
  /** Folder of the built web UI; found next to the app when not given. */
  uiDir?: string
  /** The browser sessions' clock and lifetime (tests). */
  sessions?: BrowserSessionsOptions
  /** The process's settings service; the headless server makes its own (it has no OS cipher). */
  settings?: SettingsService
}

const HOST = '127.0.0.1'

export async function startHttpServer(
  core: Core,
  opts: HttpServerOptions = {},
): Promise<HttpServer> {
  const wanted = opts.port ?? core.settings.port
  const ctx: ServerContext = {
    core,
    port: wanted,
    openStreams: new Set(),
    uiDir: opts.uiDir ?? findUiDir(),
    sessions: new BrowserSessions(opts.sessions),
    // Called only once the server is bound, so ctx.port is the real port by then.
    settings: opts.settings ?? createSettingsService(core, { runningPort: () => ctx.port }),
  }
  const server = createServer({ noDelay: true }, (req, res) => {
    route(req, res, ctx).catch((err: unknown) => {
      const error = toAppError(err)
      if (error.code === 'INTERNAL') console.error(`${req.method} ${req.url} failed:`, err)
      sendError(res, error)
    })
  })
  ctx.port = await listen(server, wanted)

  let closing: Promise<void> | undefined
  return {
    port: ctx.port,
    url: `http://${HOST}:${ctx.port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const res of ctx.openStreams) res.end()
        ctx.openStreams.clear()
        server.closeIdleConnections()
        // Requests still waiting (a /progress held until validation) would keep close() waiting.
        setTimeout(() => server.closeAllConnections(), 200).unref()
      })
      return closing
    },
  }
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES')
        reject(
          new AppFailure(
            appError(
              'PORT_IN_USE',
              `port ${port} on ${HOST} is not available; set TRAINING_SERVER_PORT to a free port (0 picks one)`,
              { field: 'TRAINING_SERVER_PORT', details: { port, cause: err.code } },
            ),
          ),
        )
      else reject(err)
    }
    const onListening = () => {
      server.off('error', onError)
      resolve((server.address() as AddressInfo).port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, HOST)
  })
}

/** Routes that start or stop work from a plain GET (address bar, curl): guarded the same way. */
const SEED_ROUTES: Record<string, typeof handleProgress | undefined> = {
  [ROUTES.progress]: handleProgress,
  [ROUTES.interrupt]: handleInterrupt,
  [ROUTES.retryUpload]: handleRetryUpload,
}

async function route(req: IncomingMessage, res: ServerResponse, ctx: ServerContext): Promise<void> {
  const hostError = hostProblem(req, ctx.port)
  if (hostError) return sendError(res, hostError)
  const target = req.url ?? '/'
  if (!target.startsWith('/'))
    return sendError(res, appError('NOT_FOUND', 'requests must name a path on this server'))
  const url = new URL(`http://${HOST}:${ctx.port}${target}`)
  const path = url.pathname
  const method = req.method ?? 'GET'
  const token = ctx.core.settings.accessToken

  const seedRoute = SEED_ROUTES[path]
  if (seedRoute) {
    if (method !== 'GET') return methodNotAllowed(res, 'GET')
    // With a token set, the token (or the UI's SameSite cookie) already proves the caller.
    const refused =
      originProblem(req, ctx.port) ??
      tokenProblem(req, token, ctx) ??
      (token === undefined ? browserGetProblem(req) : undefined)
    if (refused) return sendError(res, refused)
    return seedRoute(req, res, url, ctx)
  }

  if (path === '/api' || path.startsWith('/api/')) {
    // Reads too: a foreign page could show thumbnails or learn which files exist.
    const refused = originProblem(req, ctx.port, 'use the API') ?? tokenProblem(req, token, ctx)
    if (refused) return sendError(res, refused)
    return handleApi(req, res, url, apiSegments(path), ctx)
  }

  if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD')
  if (path === '/') return handleHome(req, res, url, ctx)
  if (ctx.uiDir && (await serveUiFile(res, ctx.uiDir, path))) return
  sendError(res, appError('NOT_FOUND', `no such route: ${path.slice(0, 200)}`))
}

/** Path segments after /api, percent-decoded one by one (so %2F stays inside its segment). */
function apiSegments(path: string): string[] {
  try {
    return path
      .split('/')
      .slice(2)
      .map((segment) => decodeURIComponent(segment))
  } catch {
    throw new AppFailure(appError('NOT_FOUND', 'the path is not valid percent-encoding'))
  }
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow)
  sendError(res, appError('METHOD_NOT_ALLOWED', `only ${allow} is allowed here`))
}
