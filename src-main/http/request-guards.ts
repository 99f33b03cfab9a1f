// Who may talk to the endpoint. It listens on 127.0.0.1 only, but a web page in the user's browser
// could still reach it: through DNS rebinding (a foreign Host header) or by sending the browser to
// a URL that starts or stops work (cross-site requests). Typing the URL in the address bar, scripts
// (curl, no browser headers) and the app's own UI stay allowed. An optional token closes the rest:
// scripts send it as a Bearer header, the browser UI holds a session cookie it was given for it.

import type { IncomingMessage } from 'node:http'
import { appError, type AppError } from '../../src-shared/errors'
import type { ServerContext } from './server-context'
import { hasSession, tokenMatches } from './ui-session'

export function allowedHosts(port: number): string[] {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`]
  // Browsers leave the default port out of the Host header.
  if (port === 80) hosts.push('127.0.0.1', 'localhost')
  return hosts
}

export function hostProblem(req: IncomingMessage, port: number): AppError | undefined {
  const host = (req.headers.host ?? '').toLowerCase()
  if (allowedHosts(port).includes(host)) return undefined
  return appError(
    'FORBIDDEN_HOST',
    `Host "${host.slice(0, 100)}" is not this server; use http://127.0.0.1:${port}`,
    { details: { allowed: allowedHosts(port) } },
  )
}

/**
 * Only same-origin pages, the address bar and non-browsers: for requests that start or stop work,
 * and for every /api route, whose answers (thumbnails, file lists) a foreign page could display.
 */
export function originProblem(
  req: IncomingMessage,
  port: number,
  refusedTo = 'start or stop jobs',
): AppError | undefined {
  const origin = req.headers.origin
  if (origin !== undefined) {
    const own = allowedHosts(port).map((host) => `http://${host}`)
    if (!own.includes(origin.toLowerCase()))
      return appError(
        'FORBIDDEN_ORIGIN',
        `requests from ${origin.slice(0, 100)} may not ${refusedTo}`,
      )
  }
  // 'same-site' is refused too: another local web app on a different port is same-site.
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return appError(
      'FORBIDDEN_ORIGIN',
      `${String(site).slice(0, 40)} requests may not ${refusedTo}`,
    )
  return undefined
}

/** Fetch destinations of a page's own loads (images, scripts, styles, frames…), never of curl. */
const DOCUMENT_DESTINATIONS = ['document', 'empty']

/**
 * For GETs that start or stop work, when no token is set: a browser may send them only from the
 * address bar or the UI (`Sec-Fetch-Site: none` or `same-origin`). Browsers that send no
 * Sec-Fetch-Site (Safari before 16.4) cannot say where a request comes from, so an `<img>` on any
 * page would look like the address bar: a request that looks like a browser's is refused then.
 * Scripts (curl, python-requests, node fetch) send neither browser headers nor a `Mozilla/` agent.
 */
export function browserGetProblem(req: IncomingMessage): AppError | undefined {
  const site = req.headers['sec-fetch-site']
  if (site === 'none' || site === 'same-origin') return undefined
  const dest = req.headers['sec-fetch-dest']
  const accept = req.headers.accept ?? ''
  const agent = req.headers['user-agent'] ?? ''
  const fromPage =
    (dest !== undefined && !DOCUMENT_DESTINATIONS.includes(dest)) ||
    /image\/|text\/css/i.test(accept) ||
    /^Mozilla\//.test(agent)
  if (!fromPage) return undefined
  return appError(
    'FORBIDDEN_ORIGIN',
    'this browser does not say where the request comes from, so it may not start or stop work ' +
      "by GET; use the UI, a current browser's address bar, curl, or " +
      'Authorization: Bearer <TRAINING_SERVER_TOKEN>',
  )
}

/**
 * With a token set: the Bearer header (scripts), or the session cookie that opening
 * `/?token=<token>` gave this browser (the UI; see ui-session.ts).
 */
export function tokenProblem(
  req: IncomingMessage,
  token: string | undefined,
  { port, sessions }: Pick<ServerContext, 'port' | 'sessions'>,
): AppError | undefined {
  if (token === undefined) return undefined
  const header = req.headers.authorization ?? ''
  const match = /^Bearer\s+(.+)$/i.exec(header)
  if (tokenMatches(match?.[1]?.trim() ?? '', token) || hasSession(req, token, port, sessions))
    return undefined
  return appError(
    'UNAUTHORIZED',
    'this server needs "Authorization: Bearer <TRAINING_SERVER_TOKEN>" (browsers: open ' +
      `http://127.0.0.1:${port}/?token=<TRAINING_SERVER_TOKEN> once)`,
  )
}
