// What the results screen shows of a finished detection or segmentation run, in place of a
// classifier's accuracy, confusion matrix and misclassified images: COCO's summary (a segmenter's
// on masks, its boxes' beside), the curves, per-class AP and precision–recall, and the validation
// images with predicted against true boxes (and masks).

import { formatDuration, formatMetric } from '../../format'
import { classColours } from './class-colours'
import { ClassLegend } from './class-legend'
import { classNamesOf, mainReportOf } from './class-names'
import {
  objectScoreOf,
  type ObjectEpochMetrics,
  type ObjectRunMetrics,
} from './detection-metrics-of'
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
  metrics: ObjectRunMetrics
  /** The epochs folded from the run's events, when it has them; else the metrics' own. */
  liveEpochs?: readonly ObjectEpochMetrics[]
  plannedEpochs?: number
  totalMs: number
  thumbnailUrl: (file: string) => string
}) {
  const names = classNamesOf(metrics)
  const report = mainReportOf(metrics)
  const masks = metrics.task === 'instance_segmentation'
  const ids = report.perClass.map((c) => c.categoryId)
  const colours = classColours(ids)
  const epochs = liveEpochs && liveEpochs.length > 0 ? liveEpochs : metrics.epochs
  const score = objectScoreOf(metrics)
  return (
    <>
      <dl className="metrics">
        <div className="metric">
          <dt>Val. {score.label}</dt>
          <dd>{formatAp(score.value)}</dd>
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
          {plannedEpochs ? ` of ${plannedEpochs}` : ''} epochs: validation {masks ? 'mask ' : ''}mAP
          stopped improving. The model keeps the weights of epoch {metrics.bestEpoch}.
        </p>
      )}
      <h2 className="section-title">COCO evaluation</h2>
      {metrics.task === 'instance_segmentation' ? (
        <>
          <CocoSummary stats={metrics.maskCoco.stats} of="mask" />
          <CocoSummary stats={metrics.boxCoco.stats} of="box" />
        </>
      ) : (
        <CocoSummary stats={metrics.coco.stats} />
      )}
      <h2 className="section-title">Curves</h2>
      <DetectionEpochCurves
        epochs={epochs}
        plannedEpochs={plannedEpochs}
        bestEpoch={metrics.bestEpoch >= 1 ? metrics.bestEpoch : undefined}
      />
      <div className="results-grid">
        <ClassApTable
          perClass={report.perClass}
          names={names}
          colours={colours}
          {...(masks && { caption: 'Per-class mask AP' })}
        />
        {report.curves.length > 0 && (
          <PrecisionRecallChart curves={report.curves} names={names} colours={colours} />
        )}
      </div>
      {metrics.worstImages.length > 0 && (
        <>
          <h2 className="section-title">Validation images with the most errors</h2>
          <ClassLegend
            classes={ids.map((categoryId) => ({ categoryId, name: names(categoryId) }))}
            colours={colours}
            styles={
              masks
                ? [
                    'filled mask, solid box: predicted, with score',
                    'outlined mask, dashed box: ground truth',
                  ]
                : ['solid: predicted, with score', 'dashed: ground truth']
            }
          />
          <WorstImages images={metrics.worstImages} colours={colours} thumbnailUrl={thumbnailUrl} />
        </>
      )}
    </>
  )
}
