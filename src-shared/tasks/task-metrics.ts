// Telling a run's metrics apart by task. Records written before detection existed carry no `task`:
// they are a classifier's, so everything without another task's `task` reads as classification.

import type { DetectionEpochMetrics, DetectionTrainingMetrics } from './detection-metrics'
import type { SegmentationEpochMetrics, SegmentationTrainingMetrics } from './segmentation-metrics'
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

export function isSegmentationEpoch(epoch: EpochMetrics): epoch is SegmentationEpochMetrics {
  return epoch.task === 'instance_segmentation'
}

export function isSegmentationMetrics(
  metrics: TrainingMetrics,
): metrics is SegmentationTrainingMetrics {
  return metrics.task === 'instance_segmentation'
}

/** A classifier's epoch, or undefined for another task's. */
export function classificationEpoch(epoch: EpochMetrics): ClassificationEpochMetrics | undefined {
  return epoch.task === 'obj_detection' || epoch.task === 'instance_segmentation'
    ? undefined
    : epoch
}

/** A classifier's run, or undefined for another task's. */
export function classificationMetrics(
  metrics: TrainingMetrics | undefined,
): ClassificationTrainingMetrics | undefined {
  return metrics === undefined ||
    metrics.task === 'obj_detection' ||
    metrics.task === 'instance_segmentation'
    ? undefined
    : metrics
}

/**
 * The validation score a run is judged by, higher is better: a classifier's accuracy, a
 * detector's mAP@.5 and a segmenter's mask mAP@.5 (COCOeval's when the run has it, else the kept
 * epoch's).
 */
export function validationScore(metrics: TrainingMetrics): number {
  if (metrics.task === 'obj_detection') return metrics.coco?.stats?.ap50 ?? metrics.finalValMap50
  if (metrics.task === 'instance_segmentation')
    return metrics.maskCoco?.stats?.ap50 ?? metrics.finalValMaskMap50
  return metrics.finalValAccuracy
}

/** What validationScore measures, as a label before a percentage ('' for accuracy). */
export function validationScoreLabel(task: TrainType | undefined): string {
  if (task === 'obj_detection') return 'mAP@.5 '
  if (task === 'instance_segmentation') return 'mask mAP@.5 '
  return ''
}
