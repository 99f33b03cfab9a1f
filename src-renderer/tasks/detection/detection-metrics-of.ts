// Telling a detection run's metrics and epochs from a classifier's. Records come from disk and
// the wire as plain JSON, so the check reads the `task` tag on the value itself; written against
// `unknown`, it holds whether the contract types metrics as one shape or as a union per task.

import type { JobSummary } from '../../../src-shared/job-events'
import type {
  DetectionEpochMetrics,
  DetectionTrainingMetrics,
} from '../../../src-shared/tasks/detection-metrics'

const DETECTION = 'obj_detection'

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

/** The classifier's metrics, or undefined for a detection run's. */
export function classificationMetricsOf<M>(
  metrics: M | undefined,
): Exclude<M, { task: typeof DETECTION }> | undefined {
  if (metrics === undefined || taskOf(metrics) === DETECTION) return undefined
  return metrics as Exclude<M, { task: typeof DETECTION }>
}

export function isDetectionEpoch(epoch: unknown): epoch is DetectionEpochMetrics {
  return taskOf(epoch) === DETECTION
}

/** A detection run's epochs, or undefined when these are a classifier's (or there are none). */
export function detectionEpochsOf(epochs: readonly unknown[]): DetectionEpochMetrics[] | undefined {
  return epochs.length > 0 && epochs.every(isDetectionEpoch) ? [...epochs] : undefined
}

/** A run trains a detector: from its parameters, known before its first epoch arrives. */
export function isDetectionRun(summary: Pick<JobSummary, 'trainType'> | undefined): boolean {
  return summary?.trainType === DETECTION
}
