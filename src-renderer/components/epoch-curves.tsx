// The loss and accuracy curves of one job, train and validation, from its epoch metrics.

import type { EpochMetrics } from '../../src-shared/job-events'
import { formatMetric, formatPercent } from '../format'
import { LineChart } from './line-chart'

/** 1, 2 or 5 times a power of ten, at least `value`. */
function roundAxisUp(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value))
  return ([1, 2, 5, 10].find((m) => m * magnitude >= value) ?? 10) * magnitude
}

/**
 * The x axis grows ahead of the curve in round steps up to the planned epochs: a fixed axis of
 * hundreds of epochs would squeeze the first ones against the left edge.
 */
export function epochAxisEnd(lastEpoch: number, plannedEpochs: number | undefined): number {
  const ahead = roundAxisUp(Math.max(10, lastEpoch * 1.25))
  return plannedEpochs === undefined ? Math.max(lastEpoch, 1) : Math.min(plannedEpochs, ahead)
}

export function EpochCurves({
  epochs,
  plannedEpochs,
}: {
  epochs: EpochMetrics[]
  plannedEpochs?: number
}) {
  const last = epochs.at(-1)
  const xMax = epochAxisEnd(last?.epoch ?? 0, plannedEpochs ?? last?.epochs)
  const series = (pick: (e: EpochMetrics) => number) =>
    epochs.map((e) => ({ x: e.epoch, y: pick(e) }))
  return (
    <div className="chart-pair">
      <LineChart
        title="Loss"
        xMax={xMax}
        formatY={(v) => formatMetric(v, 2)}
        formatValue={(v) => formatMetric(v, 4)}
        series={[
          { label: 'Train', tone: 'train', points: series((e) => e.loss) },
          { label: 'Validation', tone: 'validation', points: series((e) => e.valLoss) },
        ]}
      />
      <LineChart
        title="Accuracy"
        xMax={xMax}
        yRange={[0, 1]}
        formatY={(v) => formatPercent(v, 0)}
        formatValue={(v) => formatPercent(v, 1)}
        series={[
          { label: 'Train', tone: 'train', points: series((e) => e.accuracy) },
          { label: 'Validation', tone: 'validation', points: series((e) => e.valAccuracy) },
        ]}
      />
    </div>
  )
}
