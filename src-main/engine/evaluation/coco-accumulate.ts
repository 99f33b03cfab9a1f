// COCOeval's accumulation: per category, area range and detection limit, all images'
// detections ranked by score, cumulative true and false positives at each IoU threshold, and
// the interpolated precision at the recall points.

import type { CocoEvalParams } from './coco-eval-params'
import type { ImageEvaluation } from './coco-eval-image'

/** `precision[t][r][k][a][m]` and `recall[t][k][a][m]` flattened; -1 where a category has
 *  no regular ground truth in that area range. */
export interface AccumulatedEvaluation {
  params: CocoEvalParams
  categoryIds: readonly number[]
  precision: Float64Array
  recall: Float64Array
}

/** Per-image results, indexed `[k][a][i]`; null where the image has neither side. */
export type ImageEvaluations = readonly (readonly (readonly (ImageEvaluation | null)[])[])[]

// numpy's spacing(1): keeps 0 / 0 at 0 before the first counted detection.
const EPS = 2.220446049250313e-16

export function precisionIndex(
  dims: { T: number; R: number; K: number; A: number; M: number },
  t: number,
  r: number,
  k: number,
  a: number,
  m: number,
): number {
  return (((t * dims.R + r) * dims.K + k) * dims.A + a) * dims.M + m
}

export function recallIndex(
  dims: { K: number; A: number; M: number },
  t: number,
  k: number,
  a: number,
  m: number,
): number {
  return ((t * dims.K + k) * dims.A + a) * dims.M + m
}

export function dimensionsOf(params: CocoEvalParams, K: number) {
  return {
    T: params.iouThresholds.length,
    R: params.recallThresholds.length,
    K,
    A: params.areaRanges.length,
    M: params.maxDets.length,
  }
}

export function accumulate(
  params: CocoEvalParams,
  categoryIds: readonly number[],
  evaluations: ImageEvaluations,
): AccumulatedEvaluation {
  const dims = dimensionsOf(params, categoryIds.length)
  const { T, R, K, A, M } = dims
  const precision = new Float64Array(T * R * K * A * M).fill(-1)
  const recall = new Float64Array(T * K * A * M).fill(-1)
  for (let k = 0; k < K; k++) {
    const perArea = evaluations[k] ?? []
    // Which images take part, and their detections, don't depend on the area range: only
    // the flags do. So the ranking is made once per category.
    const images = indicesOfPresent(perArea[0] ?? [])
    if (images.length === 0) continue
    const pooled = poolDetections(perArea[0] as readonly (ImageEvaluation | null)[], images)
    for (let a = 0; a < A; a++) {
      const row = perArea[a] as readonly (ImageEvaluation | null)[]
      let regular = 0
      for (const i of images)
        for (const flag of (row[i] as ImageEvaluation).gtIgnore) if (!flag) regular++
      if (regular === 0) continue
      const flags = poolFlags(row, images, pooled.count, T)
      for (let m = 0; m < M; m++) {
        const ranked = pooled.rankedWithin(params.maxDets[m] as number)
        for (let t = 0; t < T; t++) {
          const curve = precisionAtRecalls(
            flags,
            pooled.count,
            ranked,
            t,
            regular,
            params.recallThresholds,
          )
          recall[recallIndex(dims, t, k, a, m)] = curve.recall
          for (let r = 0; r < R; r++)
            precision[precisionIndex(dims, t, r, k, a, m)] = curve.precision[r] as number
        }
      }
    }
  }
  return { params, categoryIds, precision, recall }
}

function indicesOfPresent(row: readonly (ImageEvaluation | null)[]): number[] {
  const present: number[] = []
  row.forEach((e, i) => {
    if (e) present.push(i)
  })
  return present
}

/** All images' detections in one numbering (image by image, each in its own rank order). */
function poolDetections(row: readonly (ImageEvaluation | null)[], images: readonly number[]) {
  let count = 0
  for (const i of images) count += (row[i] as ImageEvaluation).dtScores.length
  const scores = new Float64Array(count)
  const rankInImage = new Int32Array(count)
  let at = 0
  for (const i of images) {
    const e = row[i] as ImageEvaluation
    for (let d = 0; d < e.dtScores.length; d++, at++) {
      scores[at] = e.dtScores[d] as number
      rankInImage[at] = d
    }
  }
  // Highest score first, ties in pooled order: what COCO's stable mergesort gives. A limit
  // keeps a subsequence of this order, which is the stable sort of the kept ones.
  const order = Int32Array.from({ length: count }, (_, j) => j).sort(
    (x, y) => (scores[y] as number) - (scores[x] as number) || x - y,
  )
  const cache = new Map<number, Int32Array>()
  return {
    count,
    rankedWithin(maxDet: number): Int32Array {
      let ranked = cache.get(maxDet)
      if (!ranked) {
        ranked = order.filter((j) => (rankInImage[j] as number) < maxDet)
        cache.set(maxDet, ranked)
      }
      return ranked
    },
  }
}

/** Matched / ignored flags of the pooled detections, `[t * count + pooled index]`. */
function poolFlags(
  row: readonly (ImageEvaluation | null)[],
  images: readonly number[],
  count: number,
  T: number,
): { matched: Uint8Array; ignored: Uint8Array } {
  const matched = new Uint8Array(T * count)
  const ignored = new Uint8Array(T * count)
  let offset = 0
  for (const i of images) {
    const e = row[i] as ImageEvaluation
    const D = e.dtScores.length
    for (let t = 0; t < T; t++) {
      matched.set(e.dtMatched.subarray(t * D, (t + 1) * D), t * count + offset)
      ignored.set(e.dtIgnore.subarray(t * D, (t + 1) * D), t * count + offset)
    }
    offset += D
  }
  return { matched, ignored }
}

function precisionAtRecalls(
  flags: { matched: Uint8Array; ignored: Uint8Array },
  count: number,
  ranked: Int32Array,
  t: number,
  regular: number,
  recallThresholds: readonly number[],
): { recall: number; precision: Float64Array } {
  const nd = ranked.length
  const rc = new Float64Array(nd)
  const pr = new Float64Array(nd)
  const base = t * count
  let tps = 0
  let fps = 0
  for (let j = 0; j < nd; j++) {
    const at = base + (ranked[j] as number)
    if (!flags.ignored[at]) {
      if (flags.matched[at]) tps++
      else fps++
    }
    rc[j] = tps / regular
    pr[j] = tps / (fps + tps + EPS)
  }
  // The precision envelope: the best precision at this recall or any higher one.
  for (let j = nd - 1; j > 0; j--)
    if ((pr[j] as number) > (pr[j - 1] as number)) pr[j - 1] = pr[j] as number
  const precision = new Float64Array(recallThresholds.length)
  // A left search (the points ascend, so one forward walk): the first rank whose recall
  // reaches the point; none → precision 0.
  let j = 0
  recallThresholds.forEach((point, r) => {
    while (j < nd && (rc[j] as number) < point) j++
    precision[r] = j < nd ? (pr[j] as number) : 0
  })
  return { recall: nd > 0 ? (rc[nd - 1] as number) : 0, precision }
}
