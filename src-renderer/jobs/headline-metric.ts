// The one number a finished run is summed up by, in words: a classifier's validation accuracy,
// a detector's validation mAP@.5.

import { formatMetric, formatPercent } from '../format'
import {
  classificationMetricsOf,
  detectionMetricsOf,
} from '../tasks/detection/detection-metrics-of'

export function headlineMetric(metrics: unknown): { label: string; value: string } | undefined {
  const detection = detectionMetricsOf(metrics)
  if (detection)
    return { label: 'validation mAP@.5', value: formatMetric(detection.finalValMap50, 3) }
  const classification = classificationMetricsOf(metrics) as
    { finalValAccuracy?: unknown } | undefined
  if (typeof classification?.finalValAccuracy !== 'number') return undefined
  return { label: 'validation accuracy', value: formatPercent(classification.finalValAccuracy) }
}
