// The segmentation model's extra outputs and how an object's mask is assembled from them
// (YOLACT's prototype design on the detector): the network gives k prototype maps for the whole
// image and, at every heatmap cell, k coefficients. An object's mask is the sigmoid of its centre
// cell's coefficients times the prototypes, cropped to its decoded box and resampled to the
// image's own pixels. Plain arithmetic, free of tfjs, so evaluation, the predict route and anyone
// reading labels.json assemble the same masks.

import { rleEncode, type Rle } from '../coco-mask/rle'
import { DETECTION_OUTPUT_NAMES, type DecodedBox } from './detection-output'

/** The segmentation model's outputs, in order: the detector's three, then these two. */
export const SEGMENTATION_OUTPUT_NAMES = [
  ...DETECTION_OUTPUT_NAMES,
  'mask_coefficients',
  'prototypes',
] as const

/** Prototype maps (and coefficients per cell) the model predicts. */
export const PROTOTYPE_COUNT = 16
/** A pixel belongs to the object when its assembled probability reaches this. */
export const MASK_THRESHOLD = 0.5

/** One image's prototype outputs, channels last, row-major. */
export interface PrototypeMaps {
  /** Input pixels per prototype cell. */
  stride: number
  rows: number
  cols: number
  /** Prototypes per map (k). */
  count: number
  /** [rows, cols, k]. */
  prototypes: ArrayLike<number>
  /** [headRows, headCols, k]: coefficients at each heatmap cell. */
  coefficients: ArrayLike<number>
  /** Columns of the heatmap grid the coefficients are laid out on. */
  headCols: number
}

/** The prototypes' linear combination at one prototype cell: the mask's logit there. */
function logitAt(maps: PrototypeMaps, weights: Float64Array, row: number, col: number): number {
  const r = Math.min(maps.rows - 1, Math.max(0, row))
  const c = Math.min(maps.cols - 1, Math.max(0, col))
  const base = (r * maps.cols + c) * maps.count
  let sum = 0
  for (let k = 0; k < maps.count; k++)
    sum += (maps.prototypes[base + k] as number) * (weights[k] as number)
  return sum
}

/**
 * The binary mask of one decoded box in the image's own pixels, as COCO's column-major RLE. Each
 * image pixel inside the box takes the logit bilinearly interpolated between prototype cell
 * centres (comparing logits, not probabilities: sigmoid is monotone); pixels outside the box are 0.
 */
export function instanceMask(
  box: DecodedBox,
  maps: PrototypeMaps,
  input: { width: number; height: number },
  image: { width: number; height: number },
  threshold = MASK_THRESHOLD,
): Rle {
  const { width, height } = image
  const mask = new Uint8Array(width * height)
  const cell = box.cell
  if (cell === undefined) return rleEncode(mask, height, width)
  const weights = new Float64Array(maps.count)
  const at = (cell.row * maps.headCols + cell.col) * maps.count
  for (let k = 0; k < maps.count; k++) weights[k] = maps.coefficients[at + k] as number
  const cut = Math.log(threshold / (1 - threshold))
  const sx = input.width / width
  const sy = input.height / height
  const [bx, by, bw, bh] = box.bbox
  // The box in image pixels; a pixel is inside when its centre is.
  const x0 = Math.max(0, Math.round(bx / sx))
  const y0 = Math.max(0, Math.round(by / sy))
  const x1 = Math.min(width, Math.round((bx + bw) / sx))
  const y1 = Math.min(height, Math.round((by + bh) / sy))
  for (let x = x0; x < x1; x++) {
    const px = ((x + 0.5) * sx) / maps.stride - 0.5
    const c0 = Math.floor(px)
    const tx = px - c0
    for (let y = y0; y < y1; y++) {
      const py = ((y + 0.5) * sy) / maps.stride - 0.5
      const r0 = Math.floor(py)
      const ty = py - r0
      const top =
        logitAt(maps, weights, r0, c0) * (1 - tx) + logitAt(maps, weights, r0, c0 + 1) * tx
      const bottom =
        logitAt(maps, weights, r0 + 1, c0) * (1 - tx) + logitAt(maps, weights, r0 + 1, c0 + 1) * tx
      if (top * (1 - ty) + bottom * ty >= cut) mask[x * height + y] = 1
    }
  }
  return rleEncode(mask, height, width)
}
