// The browser UI when an access token is set. A page cannot add an Authorization header to its
// own navigations, EventSource or thumbnail requests, so the UI proves itself with a cookie
// instead: opening `/?token=<token>` once, from the address bar or a bookmark, answers with an
// HttpOnly, SameSite=Strict cookie and a redirect to `/` (the token leaves the address bar and
// the history). Pages of other sites can neither read the cookie nor make the browser send it.
// The cookie holds a random session value kept by the server (browser-sessions.ts), never the
// token nor anything made from it, and is named after the port because browsers share cookies
// between all ports of a host.

import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { SESSION_LIFETIME_MS, type BrowserSessions } from './browser-sessions'

const COOKIE_PREFIX = 'training_server_session_'

export function sessionCookieName(port: number): string {
  return `${COOKIE_PREFIX}${port}`
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

export function tokenMatches(given: string, token: string): boolean {
  return sameText(given, token)
}

/** The value of one cookie in the request's Cookie header, if it is there. */
function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=')
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim()
  }
  return undefined
}

/** True when the request carries a live session of this server, opened with the current token. */
export function hasSession(
  req: IncomingMessage,
  token: string,
  port: number,
  sessions: BrowserSessions,
): boolean {
  const value = cookieValue(req, sessionCookieName(port))
  return value !== undefined && sessions.isValid(value, token)
}

/** Opens a session and returns the Set-Cookie header that hands it to the browser. */
export function sessionCookie(token: string, port: number, sessions: BrowserSessions): string {
  const value = sessions.open(token)
  const maxAge = Math.floor(sessions.lifetimeMs / 1000)
  return `${sessionCookieName(port)}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict`
}

/** A page for a browser that has no session yet: how to open the UI with the token. */
export function sessionNeededPage(port: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Training Server: token needed</title></head>
<body><main><h1>Training Server needs its access token</h1>
<p>This server was started with <code>TRAINING_SERVER_TOKEN</code>. Open
<code>http://127.0.0.1:${port}/?token=&lt;your token&gt;</code> once in this browser; it then
remembers the session and the address bar shows the plain address again. A session lasts ${SESSION_LIFETIME_MS / 3_600_000} hours
and ends when the server restarts or its token changes: open that address again then.</p></main></body></html>
`
}
