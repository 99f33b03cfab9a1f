// The overlap measure COCO evaluation matches with, as a pluggable kind: boxes here, masks
// elsewhere. A kind gives the IoU matrix of an image's detections against its ground truths
// and each detection's area (for the area ranges).

/** What the evaluator needs of a ground truth, whatever the overlap kind. */
export interface EvalGroundTruth {
  id: number
  image_id: number
  category_id: number
  /** From the annotation, not the box: it decides the area range. */
  area: number
  iscrowd: number
}

/** What the evaluator needs of a detection, whatever the overlap kind. */
export interface EvalDetection {
  image_id: number
  category_id: number
  score: number
}

export interface IouKind<D extends EvalDetection, G extends EvalGroundTruth> {
  name: 'bbox' | 'segm'
  /**
   * `result[d][g]` for detections and ground truths in the order given. For a crowd ground
   * truth the union is the detection's own area (intersection / detection area), so a
   * detection wholly inside a crowd region scores 1 however large the region is.
   */
  iou(detections: readonly D[], groundTruths: readonly G[]): Float64Array[]
  /** The detection's area as COCO computes it for results (w·h for boxes, pixels for masks). */
  detectionArea(detection: D): number
}

type Box = readonly [number, number, number, number] | readonly number[]

/** IoU of two `[x, y, w, h]` boxes; with `crowd`, intersection over the detection's area. */
export function boxIou(detection: Box, groundTruth: Box, crowd: boolean): number {
  const [dx, dy, dw, dh] = detection as [number, number, number, number]
  const [gx, gy, gw, gh] = groundTruth as [number, number, number, number]
  const w = Math.min(dx + dw, gx + gw) - Math.max(dx, gx)
  if (w <= 0) return 0
  const h = Math.min(dy + dh, gy + gh) - Math.max(dy, gy)
  if (h <= 0) return 0
  const intersection = w * h
  const detectionArea = dw * dh
  const union = crowd ? detectionArea : detectionArea + gw * gh - intersection
  return intersection / union
}

export const boxIouKind: IouKind<EvalDetection & { bbox: Box }, EvalGroundTruth & { bbox: Box }> = {
  name: 'bbox',
  iou(detections, groundTruths) {
    return detections.map((d) => {
      const row = new Float64Array(groundTruths.length)
      groundTruths.forEach((g, at) => (row[at] = boxIou(d.bbox, g.bbox, g.iscrowd !== 0)))
      return row
    })
  },
  detectionArea: (d) => (d.bbox[2] ?? 0) * (d.bbox[3] ?? 0),
}
