// Union and intersection of several RLE masks, computed on the runs without decoding any pixels
// (COCO's `rleMerge`): how the parts of a multi-polygon annotation become one mask.

import type { Rle } from './rle'

/** Two masks of one size merged run by run. */
function mergePair(a: Rle, b: Rle, intersect: boolean): Rle {
  // Every output boundary is a boundary of a or b, plus a possible leading zero run.
  const counts = new Uint32Array(a.counts.length + b.counts.length + 1)
  let runs = 0
  let ia = 1
  let ib = 1
  let leftA = a.counts[0] ?? 0
  let leftB = b.counts[0] ?? 0
  let inA = false
  let inB = false
  let value = false
  let run = 0
  let remaining = 1
  while (remaining > 0) {
    const step = Math.min(leftA, leftB)
    run += step
    leftA -= step
    if (leftA === 0 && ia < a.counts.length) {
      leftA = a.counts[ia++] as number
      inA = !inA
    }
    leftB -= step
    if (leftB === 0 && ib < b.counts.length) {
      leftB = b.counts[ib++] as number
      inB = !inB
    }
    remaining = leftA + leftB
    const previous: boolean = value
    value = intersect ? inA && inB : inA || inB
    // A run closes when the merged value flips, and the last one when both inputs are used up.
    if (value !== previous || remaining === 0) {
      counts[runs++] = run
      run = 0
    }
  }
  return { height: a.height, width: a.width, counts: counts.slice(0, runs) }
}

/**
 * The union (or, with `intersect`, the intersection) of `rles`. As in COCO, no masks give a
 * 0×0 mask and masks of different sizes give a 0×0 mask, which mask IoU then reports as -1.
 */
export function rleMerge(rles: readonly Rle[], intersect = false): Rle {
  const first = rles[0]
  if (first === undefined) return { height: 0, width: 0, counts: new Uint32Array(0) }
  let merged: Rle = { height: first.height, width: first.width, counts: first.counts.slice() }
  for (let i = 1; i < rles.length; i++) {
    const next = rles[i] as Rle
    if (next.height !== first.height || next.width !== first.width)
      return { height: 0, width: 0, counts: new Uint32Array(0) }
    merged = mergePair(merged, next, intersect)
  }
  return merged
}
