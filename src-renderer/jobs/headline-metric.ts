// The one number a finished run is summed up by, in words: a classifier's validation accuracy,
// a detector's validation mAP@.5, a segmenter's validation mask mAP@.5.

import { formatMetric, formatPercent } from '../format'
import {
  classificationMetricsOf,
  objectMetricsOf,
  objectScoreOf,
} from '../tasks/detection/detection-metrics-of'

export function headlineMetric(metrics: unknown): { label: string; value: string } | undefined {
  const objects = objectMetricsOf(metrics)
  if (objects) {
    const score = objectScoreOf(objects)
    return { label: `validation ${score.label}`, value: formatMetric(score.value, 3) }
  }
  const classification = classificationMetricsOf(metrics) as
    { finalValAccuracy?: unknown } | undefined
  if (typeof classification?.finalValAccuracy !== 'number') return undefined
  return { label: 'validation accuracy', value: formatPercent(classification.finalValAccuracy) }
}
