// A detection run's per-epoch curves: the loss and its parts (heatmap focal loss, box L1),
// beside validation mAP@.5, on the planned-epochs axis with the kept epoch marked.

import type { DetectionEpochMetrics } from '../../../src-shared/tasks/detection-metrics'
import { epochAxisEnd } from '../../components/epoch-curves'
import { LineChart } from '../../components/line-chart'
import { formatMetric } from '../../format'

/** The epoch with the highest validation mAP@.5: what early stopping keeps for a detector. */
export function bestMapEpochOf(epochs: DetectionEpochMetrics[]): number | undefined {
  let best: DetectionEpochMetrics | undefined
  for (const e of epochs)
    if (Number.isFinite(e.valMap50) && (best === undefined || e.valMap50 > best.valMap50)) best = e
  return best?.epoch
}

export function DetectionEpochCurves({
  epochs,
  plannedEpochs,
  bestEpoch,
}: {
  epochs: DetectionEpochMetrics[]
  plannedEpochs?: number
  bestEpoch?: number
}) {
  const last = epochs.at(-1)
  const xMax = epochAxisEnd(last?.epoch ?? 0, last?.epochs ?? plannedEpochs)
  const best = bestEpoch ?? bestMapEpochOf(epochs)
  const marker = best === undefined ? undefined : { x: best, label: `best: epoch ${best}` }
  const series = (pick: (e: DetectionEpochMetrics) => number) =>
    epochs.map((e) => ({ x: e.epoch, y: pick(e) }))
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
          { label: 'Heatmap (train)', tone: 'heatmap', points: series((e) => e.heatmapLoss) },
          { label: 'Box (train)', tone: 'box', points: series((e) => e.boxLoss) },
        ]}
      />
      <LineChart
        title="mAP@.5"
        xMax={xMax}
        marker={marker}
        yRange={[0, 1]}
        formatY={(v) => formatMetric(v, 2)}
        formatValue={(v) => formatMetric(v, 3)}
        series={[{ label: 'Validation', tone: 'validation', points: series((e) => e.valMap50) }]}
      />
    </div>
  )
}
