// Whether a run's model becomes the client's stored model (the model bucket's root keys). By
// default it does when it is at least as good as the stored one, compared fairly: when both were
// scored on the same validation images (same names, bytes and labels, which a seeded split of an
// unchanged dataset gives) their validation accuracies compare directly. When the images differ,
// the recorded accuracies are still compared, and the reason says they were on other images; when
// the classes differ the new model is promoted, since the stored one cannot answer for them.
// Detectors compare the same way by validation mAP@.5 (COCOeval's when the run has it), segmenters
// by validation mask mAP@.5; a model of another task is replaced, as it answers other questions.

import type { ClassificationTrainingMetrics } from '../../src-shared/job-events'
import type { Promotion, PromotionScore } from '../../src-shared/model-versions'
import type { DetectionTrainingMetrics } from '../../src-shared/tasks/detection-metrics'
import type { SegmentationTrainingMetrics } from '../../src-shared/tasks/segmentation-metrics'
import { taskOfMetrics, validationScoreLabel } from '../../src-shared/tasks/task-metrics'
import type { PromotePolicy } from '../../src-shared/train-params'
import type { MetricsFileExtras } from '../engine/worker/training-protocol'

/**
 * What metrics.json says about the model it sits beside (the job layer adds jobId), any field
 * possibly missing; without `task` it is a classifier's.
 */
export type StoredMetrics = (
  | Partial<ClassificationTrainingMetrics>
  | (Partial<DetectionTrainingMetrics> & { task: 'obj_detection' })
  | (Partial<SegmentationTrainingMetrics> & { task: 'instance_segmentation' })
) &
  Partial<MetricsFileExtras> & { jobId?: string }

export interface PromotionDecision {
  promoted: boolean
  promotion: Promotion
}

function scoreOf(metrics: StoredMetrics, jobId?: string): PromotionScore {
  const id = jobId ?? metrics.jobId
  return {
    ...(id !== undefined && { jobId: id }),
    ...(metrics.task === 'obj_detection'
      ? {
          task: metrics.task,
          valMap50: metrics.coco?.stats?.ap50 ?? metrics.finalValMap50 ?? NaN,
        }
      : metrics.task === 'instance_segmentation'
        ? {
            task: metrics.task,
            valMap50: metrics.maskCoco?.stats?.ap50 ?? metrics.finalValMaskMap50 ?? NaN,
          }
        : { valAccuracy: metrics.finalValAccuracy ?? NaN }),
    valLoss: metrics.finalValLoss ?? NaN,
    ...(metrics.validationSet !== undefined && { validationSet: metrics.validationSet }),
  }
}

/** The number a score is compared by, higher is better. */
function valueOf(score: PromotionScore): number {
  return (
    (score.task === undefined || score.task === 'classification'
      ? score.valAccuracy
      : score.valMap50) ?? NaN
  )
}

function sameClasses(a: StoredMetrics, b: StoredMetrics): boolean {
  return JSON.stringify(a.classes ?? []) === JSON.stringify(b.classes ?? [])
}

/**
 * `stored` is the root metrics.json (undefined when the bucket holds no model, or one without
 * readable metrics: `storedModel` says which).
 */
export function decidePromotion(
  policy: PromotePolicy,
  fresh: StoredMetrics,
  jobId: string,
  stored: StoredMetrics | undefined,
  storedModel: boolean,
): PromotionDecision {
  const score = scoreOf(fresh, jobId)
  const storedScore = stored && scoreOf(stored)
  const decide = (promoted: boolean, reason: string): PromotionDecision => ({
    promoted,
    promotion: { reason, new: score, ...(storedScore && { stored: storedScore }) },
  })
  if (policy === 'always') return decide(true, 'promote=always')
  if (policy === 'never') return decide(false, 'promote=never')
  if (!storedModel) return decide(true, 'the bucket held no model')
  if (!stored || !storedScore)
    return decide(true, 'the stored model has no metrics to compare with')
  const task = taskOfMetrics(fresh)
  if (taskOfMetrics(stored) !== task)
    return decide(true, `the task changed; the stored model does not do ${task}`)
  if (!Number.isFinite(valueOf(storedScore)))
    return decide(true, 'the stored model has no metrics to compare with')
  if (!sameClasses(fresh, stored))
    return decide(true, 'the classes changed; the stored model cannot answer for the new ones')
  const sameImages =
    fresh.validationSet !== undefined && fresh.validationSet.id === stored.validationSet?.id
  const where = sameImages ? 'on the same validation images' : 'on different validation images'
  const newAccuracy = valueOf(score)
  const storedAccuracy = valueOf(storedScore)
  const label = validationScoreLabel(task)
  const percent = (value: number) => `${label}${(value * 100).toFixed(1)}%`
  if (Number.isFinite(newAccuracy) && newAccuracy >= storedAccuracy)
    return decide(
      true,
      `at least as good as the stored model ${where} (${percent(newAccuracy)} ≥ ${percent(storedAccuracy)})`,
    )
  return decide(
    false,
    `worse than the stored model ${where} (${percent(newAccuracy)} < ${percent(storedAccuracy)}); ` +
      'kept under its run, promote it with promote=always or from the versions list',
  )
}
