// Telling a run's metrics apart by task. Records written before detection existed carry no `task`:
// they are a classifier's, so everything without `task: 'obj_detection'` reads as classification.

import type { DetectionEpochMetrics, DetectionTrainingMetrics } from './detection-metrics'
import type {
  ClassificationEpochMetrics,
  ClassificationTrainingMetrics,
  EpochMetrics,
  TrainingMetrics,
} from '../job-events'
import type { TrainType } from '../train-params'

export function taskOfMetrics(metrics: { task?: TrainType }): TrainType {
  return metrics.task ?? 'classification'
}

export function isDetectionEpoch(epoch: EpochMetrics): epoch is DetectionEpochMetrics {
  return epoch.task === 'obj_detection'
}

export function isDetectionMetrics(metrics: TrainingMetrics): metrics is DetectionTrainingMetrics {
  return metrics.task === 'obj_detection'
}

/** A classifier's epoch, or undefined for another task's. */
export function classificationEpoch(epoch: EpochMetrics): ClassificationEpochMetrics | undefined {
  return epoch.task === 'obj_detection' ? undefined : epoch
}

/** A classifier's run, or undefined for another task's. */
export function classificationMetrics(
  metrics: TrainingMetrics | undefined,
): ClassificationTrainingMetrics | undefined {
  return metrics === undefined || metrics.task === 'obj_detection' ? undefined : metrics
}

/**
 * The validation score a run is judged by, higher is better: a classifier's accuracy, a
 * detector's mAP@.5 (COCOeval's when the run has it, else the kept epoch's).
 */
export function validationScore(metrics: TrainingMetrics): number {
  if (metrics.task !== 'obj_detection') return metrics.finalValAccuracy
  return metrics.coco?.stats?.ap50 ?? metrics.finalValMap50
}
