// COCOeval's default parameters for boxes and masks: IoU thresholds, recall points, detection
// limits and area ranges, made exactly as pycocotools makes them so every comparison and
// search lands on the same floating-point values.

/**
 * `num` evenly spaced values from `start` to `stop` inclusive, computed the way numpy's
 * `linspace` does (`start + i * step`, the last value set to `stop`). Summing steps or
 * dividing `i / (num - 1)` gives different last bits (e.g. 7 / 100 vs 7 * 0.01), and the
 * recall search and the `iouThr == .75` lookup depend on those bits.
 */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start]
  const step = (stop - start) / (num - 1)
  const values: number[] = []
  for (let i = 0; i < num; i++) values.push(start + i * step)
  values[num - 1] = stop
  return values
}

export interface AreaRange {
  label: 'all' | 'small' | 'medium' | 'large'
  /** Inclusive bounds: an object is out of range only when area < min or area > max. */
  min: number
  max: number
}

export interface CocoEvalParams {
  iouThresholds: readonly number[]
  recallThresholds: readonly number[]
  /** Ascending; the last one caps the detections kept per image and category. */
  maxDets: readonly number[]
  areaRanges: readonly AreaRange[]
}

export const COCO_AREA_RANGES: readonly AreaRange[] = [
  { label: 'all', min: 0, max: 1e5 ** 2 },
  { label: 'small', min: 0, max: 32 ** 2 },
  { label: 'medium', min: 32 ** 2, max: 96 ** 2 },
  { label: 'large', min: 96 ** 2, max: 1e5 ** 2 },
]

/** The parameters every published COCO box or mask AP is computed with. */
export function defaultCocoEvalParams(): CocoEvalParams {
  return {
    // The counts are rounded like pycocotools' `round((stop - start) / step) + 1`.
    iouThresholds: linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recallThresholds: linspace(0, 1, Math.round((1 - 0) / 0.01) + 1),
    maxDets: [1, 10, 100],
    areaRanges: COCO_AREA_RANGES,
  }
}
