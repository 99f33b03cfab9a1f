// What the results screen shows of a finished detection run, in place of a classifier's
// accuracy, confusion matrix and misclassified images: COCO's summary, the curves, per-class AP
// and precision–recall, and the validation images with predicted against true boxes.

import type {
  DetectionEpochMetrics,
  DetectionTrainingMetrics,
} from '../../../src-shared/tasks/detection-metrics'
import { formatDuration, formatMetric } from '../../format'
import { classColours } from './class-colours'
import { ClassLegend } from './class-legend'
import { classNamesOf } from './class-names'
import { DetectionEpochCurves } from './detection-epoch-curves'
import { ClassApTable, CocoSummary, formatAp } from './detection-summary'
import { PrecisionRecallChart } from './precision-recall-chart'
import { WorstImages } from './worst-images'

export function DetectionResults({
  metrics,
  liveEpochs,
  plannedEpochs,
  totalMs,
  thumbnailUrl,
}: {
  metrics: DetectionTrainingMetrics
  /** The epochs folded from the run's events, when it has them; else the metrics' own. */
  liveEpochs?: DetectionEpochMetrics[]
  plannedEpochs?: number
  totalMs: number
  thumbnailUrl: (file: string) => string
}) {
  const names = classNamesOf(metrics)
  const ids = metrics.coco.perClass.map((c) => c.categoryId)
  const colours = classColours(ids)
  const epochs = liveEpochs && liveEpochs.length > 0 ? liveEpochs : metrics.epochs
  return (
    <>
      <dl className="metrics">
        <div className="metric">
          <dt>Val. mAP@.5</dt>
          <dd>{formatAp(metrics.finalValMap50)}</dd>
        </div>
        <div className="metric">
          <dt>Val. loss</dt>
          <dd>{formatMetric(metrics.finalValLoss)}</dd>
        </div>
        <div className="metric">
          <dt>Train / val. images</dt>
          <dd>{`${metrics.trainImages} / ${metrics.valImages}`}</dd>
        </div>
        <div className="metric">
          <dt>Classes</dt>
          <dd>{metrics.classes.length}</dd>
        </div>
        <div className="metric">
          <dt>Epochs</dt>
          <dd>{metrics.epochs.length}</dd>
        </div>
        {metrics.bestEpoch >= 1 && (
          <div className="metric">
            <dt>Best epoch</dt>
            <dd>{metrics.bestEpoch}</dd>
          </div>
        )}
        <div className="metric">
          <dt>Total time</dt>
          <dd>{formatDuration(totalMs)}</dd>
        </div>
      </dl>
      {metrics.stoppedEarly && (
        <p className="stopped-early">
          Training stopped early after {metrics.epochs.length}
          {plannedEpochs ? ` of ${plannedEpochs}` : ''} epochs: validation mAP stopped improving.
          The model keeps the weights of epoch {metrics.bestEpoch}.
        </p>
      )}
      <h2 className="section-title">COCO evaluation</h2>
      <CocoSummary stats={metrics.coco.stats} />
      <h2 className="section-title">Curves</h2>
      <DetectionEpochCurves
        epochs={epochs}
        plannedEpochs={plannedEpochs}
        bestEpoch={metrics.bestEpoch >= 1 ? metrics.bestEpoch : undefined}
      />
      <div className="results-grid">
        <ClassApTable perClass={metrics.coco.perClass} names={names} colours={colours} />
        {metrics.coco.curves.length > 0 && (
          <PrecisionRecallChart curves={metrics.coco.curves} names={names} colours={colours} />
        )}
      </div>
      {metrics.worstImages.length > 0 && (
        <>
          <h2 className="section-title">Validation images with the most errors</h2>
          <ClassLegend
            classes={ids.map((categoryId) => ({ categoryId, name: names(categoryId) }))}
            colours={colours}
            styles={['solid: predicted, with score', 'dashed: ground truth']}
          />
          <WorstImages images={metrics.worstImages} colours={colours} thumbnailUrl={thumbnailUrl} />
        </>
      )}
    </>
  )
}
