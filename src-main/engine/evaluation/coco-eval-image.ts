// COCOeval's per-image step for one category and one area range: which ground truths are
// ignored, and at each IoU threshold which detection matches which ground truth, greedily in
// score order.

import type { AreaRange } from './coco-eval-params'

/** Flags are flat `[threshold][item]` arrays; `1` means set. A match is a flag, not the
 *  matched id as in pycocotools, where a ground truth of id 0 would read as unmatched. */
export interface ImageEvaluation {
  imageId: number
  categoryId: number
  /** Scores of the detections kept (highest first, at most the largest maxDets). */
  dtScores: Float64Array
  dtMatched: Uint8Array
  dtIgnore: Uint8Array
  /** Ground truths in matching order: the ones in range and not crowd first. */
  gtIgnore: Uint8Array
  gtMatched: Uint8Array
}

export interface ImageEvaluationInput {
  imageId: number
  categoryId: number
  /** Detections already sorted by score (stable) and cut to the largest maxDets. */
  dtScores: Float64Array
  dtAreas: Float64Array
  /** Ground truths in annotation order. */
  gtAreas: Float64Array
  gtCrowd: Uint8Array
  /** `ious[d][g]` in the orders above; empty when either side is. */
  ious: readonly Float64Array[]
  iouThresholds: readonly number[]
  areaRange: AreaRange
}

const outside = (area: number, range: AreaRange): boolean => area < range.min || area > range.max

// COCO caps the bar just below 1 so a threshold of 1.0 can still be met by a perfect overlap.
const HIGHEST_BAR = 1 - 1e-10

export function evaluateImage(input: ImageEvaluationInput): ImageEvaluation {
  const { dtScores, dtAreas, gtAreas, gtCrowd, ious, iouThresholds, areaRange } = input
  const T = iouThresholds.length
  const D = dtScores.length
  const G = gtAreas.length
  // A stable sort on the ignore flag: regular ground truths first, each group in its order.
  const ignored = new Uint8Array(G)
  for (let g = 0; g < G; g++)
    ignored[g] = gtCrowd[g] !== 0 || outside(gtAreas[g] as number, areaRange) ? 1 : 0
  const order = new Int32Array(G)
  let placed = 0
  for (let g = 0; g < G; g++) if (!ignored[g]) order[placed++] = g
  for (let g = 0; g < G; g++) if (ignored[g]) order[placed++] = g
  const gtIgnore = new Uint8Array(G)
  const crowd = new Uint8Array(G)
  for (let s = 0; s < G; s++) {
    gtIgnore[s] = ignored[order[s] as number] as number
    crowd[s] = gtCrowd[order[s] as number] as number
  }
  const gtMatched = new Uint8Array(T * G)
  const dtMatched = new Uint8Array(T * D)
  const dtIgnore = new Uint8Array(T * D)
  if (D > 0 && G > 0) {
    for (let t = 0; t < T; t++) {
      for (let d = 0; d < D; d++) {
        const row = ious[d] as Float64Array
        let bar = Math.min(iouThresholds[t] as number, HIGHEST_BAR)
        let match = -1
        for (let s = 0; s < G; s++) {
          // A crowd region can absorb any number of detections; anything else only one.
          if (gtMatched[t * G + s] && !crowd[s]) continue
          // Once a regular ground truth is matched, the ignored ones (all after it) can't win.
          if (match > -1 && !gtIgnore[match] && gtIgnore[s]) break
          const iou = row[order[s] as number] as number
          // `>=` on purpose: a later ground truth with an equal IoU takes the match.
          if (iou < bar) continue
          bar = iou
          match = s
        }
        if (match === -1) continue
        dtIgnore[t * D + d] = gtIgnore[match] as number
        dtMatched[t * D + d] = 1
        gtMatched[t * G + match] = 1
      }
    }
  }
  // Unmatched detections of an object outside the range are neither right nor wrong here.
  for (let d = 0; d < D; d++) {
    if (!outside(dtAreas[d] as number, areaRange)) continue
    for (let t = 0; t < T; t++) if (!dtMatched[t * D + d]) dtIgnore[t * D + d] = 1
  }
  return {
    imageId: input.imageId,
    categoryId: input.categoryId,
    dtScores,
    dtMatched,
    dtIgnore,
    gtIgnore,
    gtMatched,
  }
}
