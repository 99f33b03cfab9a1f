// The browser UI's sessions when an access token is set. A session is a random value the server
// hands out once (from `/?token=`) and keeps in memory, so a captured cookie opens nothing after it
// expires, after the token changes or after the server restarts (the browser then opens
// `/?token=` again). Browsers send a cookie to every port of 127.0.0.1, so the value must be worth
// little on its own: it never derives from the token and it has a fixed lifetime.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** How long a session lasts from the moment it was opened, however busy it is. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000
/** Sessions kept at most; opening one more forgets the oldest (each needs the token anyway). */
const MAX_SESSIONS = 64
/** A session value: 32 random bytes in base64url. */
const VALUE_PATTERN = /^[A-Za-z0-9_-]{43}$/

interface Session {
  openedAt: number
  /** A keyed hash of the token the session was opened with: a changed token ends the session. */
  tokenPrint: Buffer
}

export interface BrowserSessionsOptions {
  /** Milliseconds since the epoch; tests pass their own clock. */
  now?: () => number
  lifetimeMs?: number
}

export class BrowserSessions {
  readonly lifetimeMs: number
  private readonly now: () => number
  /** A per-process key: fingerprints of the token never leave memory and mean nothing elsewhere. */
  private readonly key = randomBytes(32)
  /** By the SHA-256 of the value, so looking a value up compares no secret byte by byte. */
  private readonly sessions = new Map<string, Session>()

  constructor(opts: BrowserSessionsOptions = {}) {
    this.now = opts.now ?? Date.now
    this.lifetimeMs = opts.lifetimeMs ?? SESSION_LIFETIME_MS
  }

  /** A new session for a caller that has just shown the token; returns the cookie value. */
  open(token: string): string {
    this.prune()
    while (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value
      if (oldest === undefined) break
      this.sessions.delete(oldest)
    }
    const value = randomBytes(32).toString('base64url')
    this.sessions.set(digest(value), { openedAt: this.now(), tokenPrint: this.print(token) })
    return value
  }

  /** True for a value this server handed out, not yet expired, opened with the current token. */
  isValid(value: string, token: string): boolean {
    if (!VALUE_PATTERN.test(value)) return false
    const id = digest(value)
    const session = this.sessions.get(id)
    if (!session) return false
    const expired = this.now() - session.openedAt >= this.lifetimeMs
    if (expired || !timingSafeEqual(session.tokenPrint, this.print(token))) {
      this.sessions.delete(id)
      return false
    }
    return true
  }

  /** Ends every session (the token changed, or the user asked). */
  revokeAll(): void {
    this.sessions.clear()
  }

  get size(): number {
    return this.sessions.size
  }

  private print(token: string): Buffer {
    return createHmac('sha256', this.key).update(token).digest()
  }

  private prune(): void {
    const now = this.now()
    for (const [id, session] of this.sessions)
      if (now - session.openedAt >= this.lifetimeMs) this.sessions.delete(id)
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}
