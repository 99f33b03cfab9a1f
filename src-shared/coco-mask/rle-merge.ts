// Union and intersection of several RLE masks, computed on the runs without decoding any pixels
// (COCO's `rleMerge`): how the parts of a multi-polygon annotation become one mask.

import type { Rle } from './rle'
import { walkRunPairs } from './run-pairs'

/** Two masks of one size merged run by run. */
function mergePair(a: Rle, b: Rle, intersect: boolean): Rle {
  // Every output boundary is a boundary of a or b, plus a possible leading zero run.
  const counts = new Uint32Array(a.counts.length + b.counts.length + 1)
  let runs = 0
  let value = false
  let run = 0
  walkRunPairs(a, b, (length, inA, inB) => {
    const covered = intersect ? inA && inB : inA || inB
    // A run closes where the merged value flips; the first is a zero run when it starts covered.
    if (covered !== value) {
      counts[runs++] = run
      run = 0
      value = covered
    }
    run += length
  })
  counts[runs++] = run
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
