// The browser UI's sessions: random values the server keeps, ending with their lifetime, with a
// change of token and with the process.

import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { BrowserSessions, SESSION_LIFETIME_MS } from '../../src-main/http/browser-sessions'

const TOKEN = 'a-long-random-token-1234'

describe('browser sessions', () => {
  it('accepts a value it handed out, and no value derived from the token', () => {
    const sessions = new BrowserSessions()
    const value = sessions.open(TOKEN)
    expect(sessions.isValid(value, TOKEN)).toBe(true)
    // Each opening is a new random value, not a function of the token.
    expect(sessions.open(TOKEN)).not.toBe(value)
    // The value older versions gave out: a fixed keyed hash of the token.
    const oldFormat = createHmac('sha256', TOKEN)
      .update('training-server browser session v1')
      .digest('base64url')
    for (const forged of [oldFormat, TOKEN, `${value}x`, value.replace(/.$/, 'A'), ''])
      expect(sessions.isValid(forged, TOKEN), forged).toBe(false)
    // Another server (or this one after a restart) knows none of these values.
    expect(new BrowserSessions().isValid(value, TOKEN)).toBe(false)
  })

  it('ends a session when its lifetime is over', () => {
    let now = 1_000_000
    const sessions = new BrowserSessions({ now: () => now })
    expect(sessions.lifetimeMs).toBe(SESSION_LIFETIME_MS)
    const value = sessions.open(TOKEN)
    now += SESSION_LIFETIME_MS - 1
    expect(sessions.isValid(value, TOKEN)).toBe(true)
    now += 1
    expect(sessions.isValid(value, TOKEN)).toBe(false)
    // Gone for good: turning the clock back does not revive it.
    now -= 10
    expect(sessions.isValid(value, TOKEN)).toBe(false)
    expect(sessions.size).toBe(0)
  })

  it('ends every session when the token changes, and on revokeAll', () => {
    const sessions = new BrowserSessions()
    const first = sessions.open(TOKEN)
    const second = sessions.open(TOKEN)
    expect(sessions.isValid(first, `${TOKEN}-new`)).toBe(false)
    // Back to the old token does not bring the session back.
    expect(sessions.isValid(first, TOKEN)).toBe(false)
    expect(sessions.isValid(second, TOKEN)).toBe(true)
    sessions.revokeAll()
    expect(sessions.isValid(second, TOKEN)).toBe(false)
  })

  it('keeps a bounded number of sessions', () => {
    const sessions = new BrowserSessions()
    const first = sessions.open(TOKEN)
    for (let i = 0; i < 200; i++) sessions.open(TOKEN)
    expect(sessions.size).toBeLessThanOrEqual(64)
    expect(sessions.isValid(first, TOKEN)).toBe(false)
  })
})
