// The curves' x axis spans the planned epochs from the start, and the best epoch is the one with
// the lowest validation loss.

import { describe, expect, it } from 'vitest'
import type { EpochMetrics } from '../../src-shared/job-events'
import { bestEpochOf, epochAxisEnd } from '../../src-renderer/components/epoch-curves'

const epoch = (n: number, valLoss: number): EpochMetrics => ({
  epoch: n,
  epochs: 12,
  loss: 1,
  accuracy: 0.5,
  valLoss,
  valAccuracy: 0.5,
  imagesPerSec: 100,
  elapsedMs: n * 1000,
})

describe('epoch axis', () => {
  it('spans the planned epochs from the first epoch on, so it never rescales', () => {
    expect(epochAxisEnd(0, 12)).toBe(12)
    expect(epochAxisEnd(3, 12)).toBe(12)
    expect(epochAxisEnd(11, 12)).toBe(12)
    expect(epochAxisEnd(2, 500)).toBe(500)
  })

  it('falls back to the epochs that ran when there is no plan', () => {
    expect(epochAxisEnd(7, undefined)).toBe(7)
    expect(epochAxisEnd(0, undefined)).toBe(1)
    expect(epochAxisEnd(14, 12)).toBe(14)
  })
})

describe('best epoch', () => {
  it('is the epoch with the lowest validation loss, the first of equals', () => {
    expect(bestEpochOf([epoch(1, 0.9), epoch(2, 0.4), epoch(3, 0.6), epoch(4, 0.4)])).toBe(2)
    expect(bestEpochOf([epoch(1, NaN), epoch(2, 0.7)])).toBe(2)
    expect(bestEpochOf([])).toBeUndefined()
  })
})
