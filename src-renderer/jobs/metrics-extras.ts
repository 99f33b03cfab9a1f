// Optional parts of a run's metrics the engine may add (a confusion matrix, per-class scores).
// They are read defensively: shown when present and well formed, hidden otherwise.

import type { TrainingMetrics } from '../../src-shared/job-events'

export interface PerClassScore {
  name: string
  precision: number
  recall: number
  f1: number
  support?: number
}

export interface ConfusionMatrix {
  labels: string[]
  /** rows: actual class, columns: predicted class. */
  counts: number[][]
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

function scoreOf(name: string, value: unknown): PerClassScore | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  const f1 = v.f1 ?? v.f1Score
  if (!isNumber(v.precision) || !isNumber(v.recall) || !isNumber(f1)) return undefined
  return {
    name,
    precision: v.precision,
    recall: v.recall,
    f1,
    support: isNumber(v.support) ? v.support : undefined,
  }
}

export function perClassScores(metrics: TrainingMetrics): PerClassScore[] | undefined {
  const raw = (metrics as TrainingMetrics & { perClass?: unknown }).perClass
  let scores: (PerClassScore | undefined)[] = []
  if (Array.isArray(raw))
    scores = raw.map((entry: unknown, index) => {
      const e = (entry ?? {}) as Record<string, unknown>
      const name = e.name ?? e.class ?? e.label ?? metrics.classes[index]
      return typeof name === 'string' ? scoreOf(name, entry) : undefined
    })
  else if (typeof raw === 'object' && raw !== null)
    scores = Object.entries(raw).map(([name, v]) => scoreOf(name, v))
  const valid = scores.filter((s): s is PerClassScore => s !== undefined)
  return valid.length > 0 ? valid : undefined
}

export function confusionMatrixOf(metrics: TrainingMetrics): ConfusionMatrix | undefined {
  const raw = (metrics as TrainingMetrics & { confusionMatrix?: unknown }).confusionMatrix
  const rows = Array.isArray(raw)
    ? raw
    : (raw as { counts?: unknown; matrix?: unknown } | undefined)?.counts
  const labelsRaw = (raw as { labels?: unknown } | undefined)?.labels
  const labels =
    Array.isArray(labelsRaw) && labelsRaw.every((l) => typeof l === 'string')
      ? (labelsRaw as string[])
      : metrics.classes
  if (!Array.isArray(rows) || rows.length === 0 || rows.length !== labels.length) return undefined
  if (
    !rows.every((row) => Array.isArray(row) && row.length === labels.length && row.every(isNumber))
  )
    return undefined
  return { labels, counts: rows as number[][] }
}
