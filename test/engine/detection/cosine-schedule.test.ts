import { describe, expect, it } from 'vitest'
import { COSINE_FLOOR, cosineRate } from '../../../src-main/engine/tasks/detection/cosine-schedule'

describe('cosineRate', () => {
  it('starts at the base rate, halves midway and ends at the floor, never rising', () => {
    expect(cosineRate(2e-3, 0, 100)).toBeCloseTo(2e-3, 12)
    expect(cosineRate(2e-3, 50, 100)).toBeCloseTo(
      2e-3 * (COSINE_FLOOR + (1 - COSINE_FLOOR) / 2),
      12,
    )
    expect(cosineRate(2e-3, 100, 100)).toBeCloseTo(2e-3 * COSINE_FLOOR, 12)
    // Steps past the plan (a resumed or longer run) stay at the floor.
    expect(cosineRate(2e-3, 150, 100)).toBeCloseTo(2e-3 * COSINE_FLOOR, 12)
    const rates = Array.from({ length: 101 }, (_, step) => cosineRate(1, step, 100))
    rates.slice(1).forEach((rate, i) => expect(rate).toBeLessThanOrEqual(rates[i] as number))
  })
})
