// The loss and accuracy curves of one job, train and validation, from its epoch metrics, on an
// axis of the planned epochs with the best epoch marked.

import type { ClassificationEpochMetrics, EpochMetrics } from '../../src-shared/job-events'
import { classificationEpoch } from '../../src-shared/tasks/task-metrics'
import { formatMetric, formatPercent } from '../format'
import { LineChart } from './line-chart'

/**
 * The x axis spans the planned epochs from the first one, so the chart never rescales as the run
 * goes on and a run that stopped early shows how far short it stopped. Without a plan (an old
 * run's record), the epochs that ran.
 */
export function epochAxisEnd(lastEpoch: number, plannedEpochs: number | undefined): number {
  return Math.max(plannedEpochs ?? 0, lastEpoch, 1)
}

/** The epoch with the lowest validation loss: the one early stopping keeps. */
export function bestEpochOf(epochs: EpochMetrics[]): number | undefined {
  let best: EpochMetrics | undefined
  for (const e of epochs)
    if (Number.isFinite(e.valLoss) && (best === undefined || e.valLoss < best.valLoss)) best = e
  return best?.epoch
}

export function EpochCurves({
  epochs,
  plannedEpochs,
  bestEpoch,
}: {
  epochs: EpochMetrics[]
  plannedEpochs?: number
  /** The epoch whose weights the model keeps, when the run says; else the lowest validation loss. */
  bestEpoch?: number
}) {
  const last = epochs.at(-1)
  // The worker's own count wins: the dataset may have settled it after the job was listed.
  const xMax = epochAxisEnd(last?.epoch ?? 0, last?.epochs ?? plannedEpochs)
  const best = bestEpoch ?? bestEpochOf(epochs)
  const marker = best === undefined ? undefined : { x: best, label: `best: epoch ${best}` }
  const series = (pick: (e: EpochMetrics) => number) =>
    epochs.map((e) => ({ x: e.epoch, y: pick(e) }))
  // Accuracy is a classifier's: a detector's epochs have none to draw.
  const classified = epochs.flatMap((e) => classificationEpoch(e) ?? [])
  const accuracySeries = (pick: (e: ClassificationEpochMetrics) => number) =>
    classified.map((e) => ({ x: e.epoch, y: pick(e) }))
  return (
    <div className="chart-pair">
      <LineChart
        title="Loss"
        xMax={xMax}
        marker={marker}
        formatY={(v) => formatMetric(v, 2)}
        formatValue={(v) => formatMetric(v, 4)}
        series={[
          { label: 'Train', tone: 'train', points: series((e) => e.loss) },
          { label: 'Validation', tone: 'validation', points: series((e) => e.valLoss) },
        ]}
      />
      {classified.length > 0 && (
        <LineChart
          title="Accuracy"
          xMax={xMax}
          marker={marker}
          yRange={[0, 1]}
          formatY={(v) => formatPercent(v, 0)}
          formatValue={(v) => formatPercent(v, 1)}
          series={[
            { label: 'Train', tone: 'train', points: accuracySeries((e) => e.accuracy) },
            {
              label: 'Validation',
              tone: 'validation',
              points: accuracySeries((e) => e.valAccuracy),
            },
          ]}
        />
      )}
    </div>
  )
}
