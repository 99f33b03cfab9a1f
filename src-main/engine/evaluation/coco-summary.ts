// COCOeval's summary of accumulated results: the 12 standard stats, and per category the AP
// and the precision–recall curve. Means skip the -1 entries of categories without ground truth.

import type {
  CocoClassAp,
  CocoPrecisionRecallCurve,
  CocoSummaryStats,
} from '../../../src-shared/coco-eval-report'
import {
  dimensionsOf,
  precisionIndex,
  recallIndex,
  type AccumulatedEvaluation,
} from './coco-accumulate'

interface Selection {
  /** One IoU threshold (compared exactly, as COCO does), or all of them. */
  iouThreshold?: number
  area: 'all' | 'small' | 'medium' | 'large'
  maxDets: number
  /** One category's index, or all of them. */
  category?: number
}

const indicesWhere = <T>(values: readonly T[], keep: (v: T) => boolean): number[] =>
  values.flatMap((v, i) => (keep(v) ? [i] : []))

function selected(acc: AccumulatedEvaluation, s: Selection) {
  const p = acc.params
  return {
    ts: indicesWhere(p.iouThresholds, (t) => s.iouThreshold === undefined || t === s.iouThreshold),
    ks: acc.categoryIds
      .map((_, k) => k)
      .filter((k) => s.category === undefined || k === s.category),
    as: indicesWhere(p.areaRanges, (a) => a.label === s.area),
    ms: indicesWhere(p.maxDets, (m) => m === s.maxDets),
  }
}

const meanOfMeasured = (values: number[]): number => {
  const measured = values.filter((v) => v > -1)
  return measured.length === 0 ? -1 : measured.reduce((sum, v) => sum + v, 0) / measured.length
}

/** Mean precision over the selection: COCO's AP. */
export function averagePrecision(acc: AccumulatedEvaluation, s: Selection): number {
  const dims = dimensionsOf(acc.params, acc.categoryIds.length)
  const { ts, ks, as, ms } = selected(acc, s)
  const values: number[] = []
  for (const t of ts)
    for (let r = 0; r < dims.R; r++)
      for (const k of ks)
        for (const a of as)
          for (const m of ms)
            values.push(acc.precision[precisionIndex(dims, t, r, k, a, m)] as number)
  return meanOfMeasured(values)
}

/** Mean of the final recalls over the selection: COCO's AR. */
export function averageRecall(acc: AccumulatedEvaluation, s: Selection): number {
  const dims = dimensionsOf(acc.params, acc.categoryIds.length)
  const { ts, ks, as, ms } = selected(acc, s)
  const values: number[] = []
  for (const t of ts)
    for (const k of ks)
      for (const a of as)
        for (const m of ms) values.push(acc.recall[recallIndex(dims, t, k, a, m)] as number)
  return meanOfMeasured(values)
}

/** The 12 stats in COCO's order; maxDets are the configured three (1, 10, 100 by default). */
export function summarize(acc: AccumulatedEvaluation): CocoSummaryStats {
  const [few, some, many] = [0, 1, 2].map((i) => acc.params.maxDets[i] as number) as [
    number,
    number,
    number,
  ]
  const ap = (sel: Partial<Selection>) =>
    averagePrecision(acc, { area: 'all', maxDets: many, ...sel })
  const ar = (sel: Partial<Selection>) => averageRecall(acc, { area: 'all', maxDets: many, ...sel })
  return {
    ap: ap({}),
    ap50: ap({ iouThreshold: 0.5 }),
    ap75: ap({ iouThreshold: 0.75 }),
    apSmall: ap({ area: 'small' }),
    apMedium: ap({ area: 'medium' }),
    apLarge: ap({ area: 'large' }),
    ar1: ar({ maxDets: few }),
    ar10: ar({ maxDets: some }),
    ar100: ar({}),
    arSmall: ar({ area: 'small' }),
    arMedium: ar({ area: 'medium' }),
    arLarge: ar({ area: 'large' }),
  }
}

const orNull = (v: number): number | null => (v === -1 ? null : v)

/** AP@[.5:.95] and AP@.5 per category (all areas, the largest maxDets). */
export function perClassAp(acc: AccumulatedEvaluation): CocoClassAp[] {
  const maxDets = acc.params.maxDets[acc.params.maxDets.length - 1] as number
  return acc.categoryIds.map((categoryId, category) => ({
    categoryId,
    ap: orNull(averagePrecision(acc, { area: 'all', maxDets, category })),
    ap50: orNull(averagePrecision(acc, { area: 'all', maxDets, category, iouThreshold: 0.5 })),
  }))
}

/** The interpolated precision at each recall point, IoU .5, all areas, the largest maxDets;
 *  only categories with ground truth have a curve. */
export function precisionRecallCurves(acc: AccumulatedEvaluation): CocoPrecisionRecallCurve[] {
  const p = acc.params
  const dims = dimensionsOf(p, acc.categoryIds.length)
  const t = p.iouThresholds.indexOf(0.5)
  const a = p.areaRanges.findIndex((range) => range.label === 'all')
  const m = p.maxDets.length - 1
  if (t < 0 || a < 0) return []
  return acc.categoryIds.flatMap((categoryId, k) => {
    const precision = p.recallThresholds.map(
      (_, r) => acc.precision[precisionIndex(dims, t, r, k, a, m)] as number,
    )
    if (precision[0] === -1) return []
    return [{ categoryId, recall: [...p.recallThresholds], precision }]
  })
}
