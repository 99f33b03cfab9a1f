// The curves' x axis: readable early in a long run, exact at the end.

import { describe, expect, it } from 'vitest'
import { epochAxisEnd } from '../../src-renderer/components/epoch-curves'

describe('epoch axis', () => {
  it('grows in round steps ahead of the curve, never past the planned epochs', () => {
    expect(epochAxisEnd(0, 500)).toBe(10)
    expect(epochAxisEnd(9, 500)).toBe(20)
    expect(epochAxisEnd(40, 500)).toBe(50)
    expect(epochAxisEnd(450, 500)).toBe(500)
    expect(epochAxisEnd(3, 4)).toBe(4)
    expect(epochAxisEnd(7, undefined)).toBe(7)
  })
})
