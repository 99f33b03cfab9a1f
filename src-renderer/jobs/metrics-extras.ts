// The evaluation parts of a run's metrics (per-class scores, confusion matrix, misclassified
// images, the epoch kept) and the transfer backbone it started from. Runs recorded before the engine added them lack them, and a run file
// may be damaged, so each part is checked: shown when present and well formed, hidden otherwise.

import { classificationMetrics } from '../../src-shared/tasks/task-metrics'
import type {
  ClassScores,
  ConfusionCounts,
  JobSummary,
  Misclassification,
  TrainingMetrics,
} from '../../src-shared/job-events'

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

function isClassScores(v: unknown): v is ClassScores {
  return (
    isRecord(v) &&
    typeof v.name === 'string' &&
    isNumber(v.precision) &&
    isNumber(v.recall) &&
    isNumber(v.f1) &&
    isNumber(v.support)
  )
}

function isMisclassification(v: unknown): v is Misclassification {
  return (
    isRecord(v) &&
    typeof v.file === 'string' &&
    v.file !== '' &&
    typeof v.actual === 'string' &&
    typeof v.predicted === 'string' &&
    isNumber(v.confidence)
  )
}

/** Per-class scores in class order; undefined when the run has none (or none well formed). */
export function perClassScores(metrics: TrainingMetrics): ClassScores[] | undefined {
  const raw: unknown = classificationMetrics(metrics)?.perClass
  if (!Array.isArray(raw)) return undefined
  const valid = raw.filter(isClassScores)
  return valid.length > 0 ? valid : undefined
}

/** The confusion matrix when it is square and matches its labels; undefined otherwise. */
export function confusionMatrixOf(metrics: TrainingMetrics): ConfusionCounts | undefined {
  const raw: unknown = classificationMetrics(metrics)?.confusionMatrix
  if (!isRecord(raw)) return undefined
  const { labels, counts } = raw
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) return undefined
  if (!Array.isArray(counts) || counts.length === 0 || counts.length !== labels.length)
    return undefined
  const square = counts.every(
    (row) => Array.isArray(row) && row.length === labels.length && row.every(isNumber),
  )
  return square ? { labels: labels as string[], counts: counts as number[][] } : undefined
}

/** The misclassified validation images, most confident first; empty when there are none. */
export function misclassificationsOf(metrics: TrainingMetrics): Misclassification[] | undefined {
  const raw: unknown = classificationMetrics(metrics)?.topMistakes
  if (!Array.isArray(raw)) return undefined
  return raw.filter(isMisclassification).sort((a, b) => b.confidence - a.confidence)
}

/** Which epoch's weights the model keeps and whether training stopped early, when known. */
export function keptEpochOf(
  metrics: TrainingMetrics,
): { bestEpoch: number; stoppedEarly: boolean } | undefined {
  if (!isNumber(metrics.bestEpoch) || metrics.bestEpoch < 1) return undefined
  return { bestEpoch: metrics.bestEpoch, stoppedEarly: metrics.stoppedEarly === true }
}

export interface RunBackbone {
  backbone: string
  /** Trailing backbone layers trained with the head; 0 when it stayed frozen. */
  fineTuneLayers: number
}

function backboneIn(params: unknown): RunBackbone | undefined {
  if (!isRecord(params) || typeof params.backbone !== 'string' || params.backbone === '')
    return undefined
  const layers = params.fineTuneLayers
  return { backbone: params.backbone, fineTuneLayers: isNumber(layers) && layers > 0 ? layers : 0 }
}

/**
 * The pretrained backbone a transfer run started from: from the parameters its metrics echo, else
 * from the run's own parameters; undefined for runs without one.
 */
export function backboneOf(
  summary: Pick<JobSummary, 'params'>,
  metrics: TrainingMetrics | undefined,
): RunBackbone | undefined {
  const echoed: unknown = metrics
    ? (metrics as unknown as Record<string, unknown>).params
    : undefined
  return backboneIn(echoed) ?? backboneIn(summary.params)
}
