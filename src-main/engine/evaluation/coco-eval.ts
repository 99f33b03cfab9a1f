// COCO evaluation (pycocotools' COCOeval, ported from the algorithm): per-image matching,
// accumulation and summary, for any overlap kind (boxes here, masks through their own kind),
// plus the per-class and per-image views the training report shows.

import type { CocoDetectionResult, CocoEvalGroundTruth } from '../../../src-shared/coco'
import type { CocoEvalReport, CocoImageErrors } from '../../../src-shared/coco-eval-report'
import { accumulate, type AccumulatedEvaluation, type ImageEvaluations } from './coco-accumulate'
import { defaultCocoEvalParams, type CocoEvalParams } from './coco-eval-params'
import { evaluateImage, type ImageEvaluation } from './coco-eval-image'
import { summarize, perClassAp, precisionRecallCurves } from './coco-summary'
import { boxIouKind, type EvalDetection, type EvalGroundTruth, type IouKind } from './iou'

export interface CocoEvalInput<D extends EvalDetection, G extends EvalGroundTruth> {
  /** The evaluated images and categories (the dataset's, as COCO takes them from the ground
   *  truth file); detections or ground truths of others are left out. */
  imageIds: readonly number[]
  categoryIds: readonly number[]
  groundTruths: readonly G[]
  detections: readonly D[]
  kind: IouKind<D, G>
  params?: CocoEvalParams
}

export interface CocoEvaluation {
  params: CocoEvalParams
  /** Sorted and unique, as COCO evaluates them. */
  imageIds: readonly number[]
  categoryIds: readonly number[]
  /** `[k][a][i]`: category, area range, image. */
  images: ImageEvaluations
}

const sortedUnique = (ids: readonly number[]): number[] => [...new Set(ids)].sort((x, y) => x - y)

function groupBy<T extends { image_id: number; category_id: number }>(
  items: readonly T[],
): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const key = `${item.image_id}:${item.category_id}`
    const group = groups.get(key)
    if (group) group.push(item)
    else groups.set(key, [item])
  }
  return groups
}

/** COCOeval's `evaluate()`: every (category, area range, image) matched at every threshold. */
export function evaluateImages<D extends EvalDetection, G extends EvalGroundTruth>(
  input: CocoEvalInput<D, G>,
): CocoEvaluation {
  const params = input.params ?? defaultCocoEvalParams()
  const imageIds = sortedUnique(input.imageIds)
  const categoryIds = sortedUnique(input.categoryIds)
  const gtGroups = groupBy(input.groundTruths)
  const dtGroups = groupBy(input.detections)
  const maxDet = params.maxDets[params.maxDets.length - 1] as number
  const images = categoryIds.map((categoryId) => {
    const perArea: (ImageEvaluation | null)[][] = params.areaRanges.map(() => [])
    for (const imageId of imageIds) {
      const key = `${imageId}:${categoryId}`
      const gts = gtGroups.get(key) ?? []
      const found = dtGroups.get(key) ?? []
      if (gts.length === 0 && found.length === 0) {
        for (const row of perArea) row.push(null)
        continue
      }
      // Stable sort by score, then the cut, both before any IoU is computed or matched.
      const dts = found
        .map((d, at) => ({ d, at }))
        .sort((x, y) => y.d.score - x.d.score || x.at - y.at)
        .slice(0, maxDet)
        .map(({ d }) => d)
      const ious = dts.length > 0 && gts.length > 0 ? input.kind.iou(dts, gts) : []
      const dtScores = new Float64Array(dts.length)
      const dtAreas = new Float64Array(dts.length)
      dts.forEach((d, at) => {
        dtScores[at] = d.score
        dtAreas[at] = input.kind.detectionArea(d)
      })
      const gtAreas = new Float64Array(gts.length)
      const gtCrowd = new Uint8Array(gts.length)
      gts.forEach((g, at) => {
        gtAreas[at] = g.area
        gtCrowd[at] = g.iscrowd ? 1 : 0
      })
      params.areaRanges.forEach((areaRange, a) =>
        perArea[a]?.push(
          evaluateImage({
            imageId,
            categoryId,
            dtScores,
            dtAreas,
            gtAreas,
            gtCrowd,
            ious,
            iouThresholds: params.iouThresholds,
            areaRange,
          }),
        ),
      )
    }
    return perArea
  })
  return { params, imageIds, categoryIds, images }
}

/** COCOeval's `accumulate()` over an evaluation. */
export function accumulateEvaluation(evaluation: CocoEvaluation): AccumulatedEvaluation {
  return accumulate(evaluation.params, evaluation.categoryIds, evaluation.images)
}

/** Misses and false detections per image at IoU .5, all areas, the largest maxDets; images
 *  without either are left out, the rest ordered by total errors (ties by image id). */
export function imageErrors(evaluation: CocoEvaluation): CocoImageErrors[] {
  const p = evaluation.params
  const t = p.iouThresholds.indexOf(0.5)
  const a = p.areaRanges.findIndex((range) => range.label === 'all')
  if (t < 0 || a < 0) return []
  const counts = new Map<number, CocoImageErrors>()
  for (const perArea of evaluation.images) {
    for (const e of perArea[a] ?? []) {
      if (!e) continue
      const G = e.gtIgnore.length
      const D = e.dtScores.length
      let missed = 0
      let falseDetections = 0
      for (let g = 0; g < G; g++) if (!e.gtIgnore[g] && !e.gtMatched[t * G + g]) missed++
      for (let d = 0; d < D; d++)
        if (!e.dtIgnore[t * D + d] && !e.dtMatched[t * D + d]) falseDetections++
      const entry = counts.get(e.imageId) ?? { imageId: e.imageId, missed: 0, falseDetections: 0 }
      entry.missed += missed
      entry.falseDetections += falseDetections
      counts.set(e.imageId, entry)
    }
  }
  return [...counts.values()]
    .filter((c) => c.missed + c.falseDetections > 0)
    .sort(
      (x, y) =>
        y.missed + y.falseDetections - (x.missed + x.falseDetections) || x.imageId - y.imageId,
    )
}

/** The whole report for any overlap kind: evaluate, accumulate, summarize. */
export function cocoEvalReport<D extends EvalDetection, G extends EvalGroundTruth>(
  input: CocoEvalInput<D, G>,
): CocoEvalReport {
  const evaluation = evaluateImages(input)
  const accumulated = accumulateEvaluation(evaluation)
  return {
    stats: summarize(accumulated),
    perClass: perClassAp(accumulated),
    curves: precisionRecallCurves(accumulated),
    imageErrors: imageErrors(evaluation),
  }
}

/** The box report (COCOeval with iouType 'bbox') for COCO ground truths and results. */
export function evaluateBoxes(input: {
  imageIds: readonly number[]
  categoryIds: readonly number[]
  groundTruths: readonly CocoEvalGroundTruth[]
  detections: readonly CocoDetectionResult[]
  params?: CocoEvalParams
}): CocoEvalReport {
  return cocoEvalReport({ ...input, kind: boxIouKind })
}
