// Two masks of one size walked together run by run, without decoding a pixel: each stretch where
// neither mask changes is handed over with its length and whether each mask covers it. Mask IoU
// counts these stretches; merging builds new runs from them.

import type { Rle } from './rle'

export function walkRunPairs(
  a: Rle,
  b: Rle,
  visit: (length: number, inA: boolean, inB: boolean) => void,
): void {
  let ia = 1
  let ib = 1
  let leftA = a.counts[0] ?? 0
  let leftB = b.counts[0] ?? 0
  let inA = false
  let inB = false
  let remaining = 1
  while (remaining > 0) {
    const step = Math.min(leftA, leftB)
    visit(step, inA, inB)
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
  }
}
