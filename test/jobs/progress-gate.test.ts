// The gate that thins out progress messages: one per interval, except the forced last step.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PROGRESS_INTERVAL_MS, progressGate } from '../../src-main/platform/rate-gate'

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(1_000_000)
})

afterEach(() => {
  vi.useRealTimers()
})

describe('progressGate', () => {
  it('opens on the first call, then not again until the interval has passed', () => {
    const gate = progressGate()
    expect(gate(false)).toBe(true)
    vi.advanceTimersByTime(PROGRESS_INTERVAL_MS - 1)
    expect(gate(false)).toBe(false)
    vi.advanceTimersByTime(1)
    expect(gate(false)).toBe(true)
    expect(gate(false)).toBe(false)
  })

  it('always opens when forced, and a forced step restarts the interval', () => {
    const gate = progressGate(50)
    expect(gate(false)).toBe(true)
    vi.advanceTimersByTime(30)
    expect(gate(false)).toBe(false)
    expect(gate(true)).toBe(true)
    // 79 ms after the first step, but only 49 after the forced one.
    vi.advanceTimersByTime(49)
    expect(gate(false)).toBe(false)
    vi.advanceTimersByTime(1)
    expect(gate(false)).toBe(true)
  })

  it('keeps a separate clock per gate', () => {
    const decode = progressGate()
    const embed = progressGate()
    expect(decode(false)).toBe(true)
    expect(embed(false)).toBe(true)
    expect(decode(false)).toBe(false)
  })
})
