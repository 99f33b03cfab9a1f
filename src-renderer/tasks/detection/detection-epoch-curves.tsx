// An object run's per-epoch curves: the loss and its parts (heatmap focal loss, box L1, and a
// segmenter's mask loss), beside its validation score (mAP@.5, a segmenter's mask mAP@.5), on the
// planned-epochs axis with the kept epoch marked.

import type { SegmentationEpochMetrics } from '../../../src-shared/tasks/segmentation-metrics'
import { epochAxisEnd } from '../../components/epoch-curves'
import { LineChart, type ChartSeries } from '../../components/line-chart'
import { formatMetric } from '../../format'
import type { ObjectEpochMetrics } from './detection-metrics-of'

/** The validation score early stopping keeps the best epoch of. */
export function epochScoreOf(epoch: ObjectEpochMetrics): number {
  return epoch.task === 'instance_segmentation' ? epoch.valMaskMap50 : epoch.valMap50
}

/** The epoch with the highest validation score: what early stopping keeps for an object run. */
export function bestMapEpochOf(epochs: readonly ObjectEpochMetrics[]): number | undefined {
  let best: ObjectEpochMetrics | undefined
  for (const e of epochs)
    if (
      Number.isFinite(epochScoreOf(e)) &&
      (best === undefined || epochScoreOf(e) > epochScoreOf(best))
    )
      best = e
  return best?.epoch
}

export function DetectionEpochCurves({
  epochs,
  plannedEpochs,
  bestEpoch,
}: {
  epochs: readonly ObjectEpochMetrics[]
  plannedEpochs?: number
  bestEpoch?: number
}) {
  const all = epochs
  const last = all.at(-1)
  const xMax = epochAxisEnd(last?.epoch ?? 0, last?.epochs ?? plannedEpochs)
  const best = bestEpoch ?? bestMapEpochOf(all)
  const marker = best === undefined ? undefined : { x: best, label: `best: epoch ${best}` }
  const series = (pick: (e: ObjectEpochMetrics) => number) =>
    all.map((e) => ({ x: e.epoch, y: pick(e) }))
  const masks = all.filter((e): e is SegmentationEpochMetrics => e.task === 'instance_segmentation')
  const maskSeries: ChartSeries[] =
    masks.length > 0
      ? [
          {
            label: 'Mask (train)',
            tone: 'mask',
            points: masks.map((e) => ({ x: e.epoch, y: e.maskLoss })),
          },
        ]
      : []
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
          ...maskSeries,
        ]}
      />
      <LineChart
        title={masks.length > 0 ? 'Mask mAP@.5' : 'mAP@.5'}
        xMax={xMax}
        marker={marker}
        yRange={[0, 1]}
        formatY={(v) => formatMetric(v, 2)}
        formatValue={(v) => formatMetric(v, 3)}
        series={[{ label: 'Validation', tone: 'validation', points: series(epochScoreOf) }]}
      />
    </div>
  )
}
