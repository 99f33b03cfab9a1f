// Mask IoU between detections and ground truths, as COCO's `rleIou` defines it for
// `iouType='segm'`, with the crowd rule: a crowd region stands for many objects, so a detection
// inside it is not penalised for the rest of the region — the denominator is the detection's
// own area instead of the union. The same rule for boxes (`bbIou`) is here too, since the mask
// IoU starts from it.

import { rleArea, rleToBbox, type CocoBox, type Rle } from './rle'
import { walkRunPairs } from './run-pairs'

/** Box IoU of COCO's `bbIou`; against a crowd box, intersection over the detection's area. */
export function boxIou(detection: CocoBox, truth: CocoBox, crowd: boolean): number {
  const [dx, dy, dw, dh] = detection
  const [gx, gy, gw, gh] = truth
  const w = Math.min(dx + dw, gx + gw) - Math.max(dx, gx)
  if (w <= 0) return 0
  const h = Math.min(dy + dh, gy + gh) - Math.max(dy, gy)
  if (h <= 0) return 0
  const intersection = w * h
  return intersection / (crowd ? dw * dh : dw * dh + gw * gh - intersection)
}

/** Intersection and union pixel counts of two masks of one size, walked run by run. */
function overlap(a: Rle, b: Rle): { intersection: number; union: number } {
  let intersection = 0
  let union = 0
  walkRunPairs(a, b, (length, inA, inB) => {
    if (inA || inB) union += length
    if (inA && inB) intersection += length
  })
  return { intersection, union }
}

/**
 * IoU of one detection mask with one ground-truth mask; with `crowd`, intersection over the
 * detection's area. Masks of different sizes give -1, as in COCO — but only when their boxes
 * overlap, because COCO checks the boxes first and leaves disjoint pairs at 0.
 */
export function maskIou(
  detection: Rle,
  truth: Rle,
  crowd: boolean,
  boxes?: { detection: CocoBox; truth: CocoBox },
): number {
  const detectionBox = boxes?.detection ?? rleToBbox(detection)
  const truthBox = boxes?.truth ?? rleToBbox(truth)
  if (boxIou(detectionBox, truthBox, crowd) <= 0) return 0
  if (detection.height !== truth.height || detection.width !== truth.width) return -1
  const { intersection, union } = overlap(detection, truth)
  if (intersection === 0) return 0
  return intersection / (crowd ? rleArea(detection) : union)
}

/**
 * IoUs of every detection with every ground truth, `result[d][g]` (the layout of pycocotools'
 * `maskUtils.iou`); `crowd[g]` marks crowd ground truths. Boxes are computed once per mask.
 */
export function maskIouMatrix(
  detections: readonly Rle[],
  truths: readonly Rle[],
  crowd: readonly boolean[],
): number[][] {
  const detectionBoxes = detections.map(rleToBbox)
  const truthBoxes = truths.map(rleToBbox)
  return detections.map((detection, d) =>
    truths.map((truth, g) =>
      maskIou(detection, truth, crowd[g] === true, {
        detection: detectionBoxes[d] as CocoBox,
        truth: truthBoxes[g] as CocoBox,
      }),
    ),
  )
}
