// GET /: health JSON for scripts, the web UI for a browser tab, and, when an access token is set,
// the one place a browser obtains its session: `/?token=<token>` (see ui-session.ts).

import type { IncomingMessage, ServerResponse } from 'node:http'
import { appError } from '../../src-shared/errors'
import { prefersHtml } from './content-negotiation'
import { originProblem, tokenProblem } from './request-guards'
import { COMMON_HEADERS, sendError, sendJson } from './responses'
import type { ServerContext } from './server-context'
import { serveUiFile } from './static-ui'
import { sessionCookie, sessionNeededPage, tokenMatches } from './ui-session'

export async function handleHome(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: ServerContext,
): Promise<void> {
  const token = ctx.core.settings.accessToken
  if (token !== undefined && url.searchParams.has('token'))
    return openSession(req, res, url.searchParams.get('token') ?? '', token, ctx)
  const refused = tokenProblem(req, token, ctx)
  if (ctx.uiDir && prefersHtml(req)) {
    if (refused) return sendPage(res, 401, sessionNeededPage(ctx.port))
    if (await serveUiFile(res, ctx.uiDir, '/')) return
  }
  if (refused) return sendError(res, refused)
  sendJson(res, 200, ctx.core.health())
}

/**
 * Trades the token in the address for the session cookie, then sends the browser to `/` so the
 * token leaves the address bar. Only from the address bar, a bookmark or this server's own pages:
 * a link on another site cannot plant a session (its request is cross-site and refused).
 */
function openSession(
  req: IncomingMessage,
  res: ServerResponse,
  given: string,
  token: string,
  ctx: ServerContext,
): void {
  const crossSite = originProblem(req, ctx.port)
  if (crossSite) return sendError(res, crossSite)
  if (!tokenMatches(given, token))
    return sendError(
      res,
      appError('UNAUTHORIZED', "the token in the address is not this server's access token", {
        field: 'token',
      }),
    )
  res.writeHead(303, {
    ...COMMON_HEADERS,
    location: '/',
    'set-cookie': sessionCookie(token, ctx.port, ctx.sessions),
    'referrer-policy': 'no-referrer',
    'content-length': 0,
  })
  res.end()
}

function sendPage(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'referrer-policy': 'no-referrer',
  })
  res.end(html)
}
