// @vitest-environment jsdom
// The curves as drawn: an axis of the planned epochs and a mark on the best epoch.

import { cleanup, render } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { EpochMetrics } from '../../src-shared/job-events'
import { EpochCurves } from '../../src-renderer/components/epoch-curves'

afterEach(cleanup)

const epoch = (n: number, valLoss: number): EpochMetrics => ({
  epoch: n,
  epochs: 12,
  loss: 1 / n,
  accuracy: 0.5,
  valLoss,
  valAccuracy: 0.5,
  imagesPerSec: 100,
  elapsedMs: n * 1000,
})

const xTicks = (svg: Element): string[] =>
  [...svg.querySelectorAll('text.chart-tick')].map((t) => t.textContent ?? '')

describe('epoch curves', () => {
  it('draw three epochs of twelve on an axis to 12, with the lowest validation loss marked', () => {
    const { container } = render(
      <EpochCurves epochs={[epoch(1, 0.9), epoch(2, 0.3), epoch(3, 0.5)]} plannedEpochs={12} />,
    )
    const charts = container.querySelectorAll('svg')
    expect(charts).toHaveLength(2)
    for (const svg of charts) {
      expect(xTicks(svg)).toContain('12')
      expect(svg.querySelector('.chart-marker')?.getAttribute('data-x')).toBe('2')
      expect(svg.getAttribute('aria-label')).toContain('best: epoch 2')
    }
  })

  it('mark the epoch the run says its model keeps', () => {
    const { container } = render(
      <EpochCurves epochs={[epoch(1, 0.9), epoch(2, 0.3), epoch(3, 0.5)]} bestEpoch={3} />,
    )
    expect(container.querySelector('.chart-marker')?.getAttribute('data-x')).toBe('3')
  })
})
