// Telling a detection or segmentation run's metrics and epochs from a classifier's. Records come from disk and
// the wire as plain JSON, so the check reads the `task` tag on the value itself; written against
// `unknown`, it holds whether the contract types metrics as one shape or as a union per task.

import type { JobSummary } from '../../../src-shared/job-events'
import type {
  DetectionEpochMetrics,
  DetectionTrainingMetrics,
} from '../../../src-shared/tasks/detection-metrics'
import type {
  SegmentationEpochMetrics,
  SegmentationTrainingMetrics,
} from '../../../src-shared/tasks/segmentation-metrics'

const DETECTION = 'obj_detection'
const SEGMENTATION = 'instance_segmentation'
type ObjectTask = typeof DETECTION | typeof SEGMENTATION

/** A finished run of a task that finds objects. */
export type ObjectRunMetrics = DetectionTrainingMetrics | SegmentationTrainingMetrics
export type ObjectEpochMetrics = DetectionEpochMetrics | SegmentationEpochMetrics

function taskOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null
    ? (value as { task?: unknown }).task
    : undefined
}

export function detectionMetricsOf(metrics: unknown): DetectionTrainingMetrics | undefined {
  if (taskOf(metrics) !== DETECTION) return undefined
  const m = metrics as Partial<DetectionTrainingMetrics>
  return Array.isArray(m.epochs) && typeof m.coco === 'object' && m.coco !== null
    ? (metrics as DetectionTrainingMetrics)
    : undefined
}

export function segmentationMetricsOf(metrics: unknown): SegmentationTrainingMetrics | undefined {
  if (taskOf(metrics) !== SEGMENTATION) return undefined
  const m = metrics as Partial<SegmentationTrainingMetrics>
  return Array.isArray(m.epochs) && typeof m.maskCoco === 'object' && m.maskCoco !== null
    ? (metrics as SegmentationTrainingMetrics)
    : undefined
}

/** A detector's or a segmenter's metrics, or undefined for any other run's. */
export function objectMetricsOf(metrics: unknown): ObjectRunMetrics | undefined {
  return detectionMetricsOf(metrics) ?? segmentationMetricsOf(metrics)
}

/** The classifier's metrics, or undefined for a detection or segmentation run's. */
export function classificationMetricsOf<M>(
  metrics: M | undefined,
): Exclude<M, { task: ObjectTask }> | undefined {
  const task = taskOf(metrics)
  if (metrics === undefined || task === DETECTION || task === SEGMENTATION) return undefined
  return metrics as Exclude<M, { task: ObjectTask }>
}

export function isDetectionEpoch(epoch: unknown): epoch is DetectionEpochMetrics {
  return taskOf(epoch) === DETECTION
}

export function isSegmentationEpoch(epoch: unknown): epoch is SegmentationEpochMetrics {
  return taskOf(epoch) === SEGMENTATION
}

/** A detection run's epochs, or undefined when these are a classifier's (or there are none). */
export function detectionEpochsOf(epochs: readonly unknown[]): DetectionEpochMetrics[] | undefined {
  return epochs.length > 0 && epochs.every(isDetectionEpoch) ? [...epochs] : undefined
}

/** A segmentation run's epochs, or undefined when these are another task's (or there are none). */
export function segmentationEpochsOf(
  epochs: readonly unknown[],
): SegmentationEpochMetrics[] | undefined {
  return epochs.length > 0 && epochs.every(isSegmentationEpoch) ? [...epochs] : undefined
}

/** A detection or segmentation run's epochs, or undefined for a classifier's (or none). */
export function objectEpochsOf(epochs: readonly unknown[]): ObjectEpochMetrics[] | undefined {
  return detectionEpochsOf(epochs) ?? segmentationEpochsOf(epochs)
}

/** A run trains a detector: from its parameters, known before its first epoch arrives. */
export function isDetectionRun(summary: Pick<JobSummary, 'trainType'> | undefined): boolean {
  return summary?.trainType === DETECTION
}

/** A run finds objects (boxes, or boxes and masks): known before its first epoch arrives. */
export function isObjectRun(summary: Pick<JobSummary, 'trainType'> | undefined): boolean {
  return summary?.trainType === DETECTION || summary?.trainType === SEGMENTATION
}

/** The one score an object run is judged by: a detector's mAP@.5, a segmenter's mask mAP@.5. */
export function objectScoreOf(metrics: ObjectRunMetrics): { label: string; value: number } {
  return metrics.task === SEGMENTATION
    ? { label: 'mask mAP@.5', value: metrics.finalValMaskMap50 }
    : { label: 'mAP@.5', value: metrics.finalValMap50 }
}
