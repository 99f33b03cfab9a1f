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
    // Which images take part doesn't depend on the area range, only their flags do.
    const images: number[] = []
    ;(perArea[0] ?? []).forEach((e, i) => {
      if (e) images.push(i)
    })
    if (images.length === 0) continue
    for (let m = 0; m < M; m++) {
      const maxDet = params.maxDets[m] as number
      const ranked = rankDetections(
        perArea[0] as readonly (ImageEvaluation | null)[],
        images,
        maxDet,
      )
      for (let a = 0; a < A; a++) {
        const row = perArea[a] as readonly (ImageEvaluation | null)[]
        let regular = 0
        for (const i of images)
          for (const flag of (row[i] as ImageEvaluation).gtIgnore) if (!flag) regular++
        if (regular === 0) continue
        for (let t = 0; t < T; t++) {
          const curve = precisionAtRecalls(row, ranked, t, regular, params.recallThresholds)
          recall[recallIndex(dims, t, k, a, m)] = curve.recall
          for (let r = 0; r < R; r++)
            precision[precisionIndex(dims, t, r, k, a, m)] = curve.precision[r] as number
        }
      }
    }
  }
  return { params, categoryIds, precision, recall }
}

/** The detections of all images (each cut to `maxDet`), highest score first; ties keep
 *  image order, then the image's own order, as a stable sort does. */
interface RankedDetections {
  image: Int32Array
  detection: Int32Array
}

function rankDetections(
  row: readonly (ImageEvaluation | null)[],
  images: readonly number[],
  maxDet: number,
): RankedDetections {
  const image: number[] = []
  const detection: number[] = []
  const scores: number[] = []
  for (const i of images) {
    const e = row[i] as ImageEvaluation
    const n = Math.min(e.dtScores.length, maxDet)
    for (let d = 0; d < n; d++) {
      image.push(i)
      detection.push(d)
      scores.push(e.dtScores[d] as number)
    }
  }
  // Array.prototype.sort is stable (ES2019), which is what COCO's mergesort guarantees.
  const order = scores
    .map((_, j) => j)
    .sort((x, y) => (scores[y] as number) - (scores[x] as number))
  return {
    image: Int32Array.from(order, (j) => image[j] as number),
    detection: Int32Array.from(order, (j) => detection[j] as number),
  }
}

function precisionAtRecalls(
  row: readonly (ImageEvaluation | null)[],
  ranked: RankedDetections,
  t: number,
  regular: number,
  recallThresholds: readonly number[],
): { recall: number; precision: Float64Array } {
  const nd = ranked.image.length
  const rc = new Float64Array(nd)
  const pr = new Float64Array(nd)
  let tps = 0
  let fps = 0
  for (let j = 0; j < nd; j++) {
    const e = row[ranked.image[j] as number] as ImageEvaluation
    const at = t * e.dtScores.length + (ranked.detection[j] as number)
    if (!e.dtIgnore[at]) {
      if (e.dtMatched[at]) tps++
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
