// The detector's raw outputs and the one way they become boxes. The network ends in three maps at
// `stride` pixels per cell (CenterNet's layout): a class heatmap whose peaks are object centres,
// each centre's box size, and its sub-cell offset. Decoding is plain arithmetic on those maps, kept
// outside the trained graph and free of tfjs, so evaluation, the predict route and anyone reading
// labels.json decode the same way.

/** Names of the model's outputs, in the model's output order. */
export const DETECTION_OUTPUT_NAMES = ['heatmap', 'box_size', 'center_offset'] as const
export type DetectionOutputName = (typeof DETECTION_OUTPUT_NAMES)[number]

export interface DetectionDecodeOptions {
  /** Peaks below this score are not boxes. */
  scoreThreshold: number
  /** Within one class, a box overlapping a better one by more than this IoU is dropped. */
  nmsIou: number
  /** Boxes kept per image, best first. */
  maxDetections: number
  /** Heatmap peaks considered before NMS, best first. */
  candidates: number
}

/** What evaluation uses: COCO counts up to 100 detections and rewards low-score ones in recall. */
export const EVALUATION_DECODE: DetectionDecodeOptions = {
  scoreThreshold: 0.01,
  nmsIou: 0.5,
  maxDetections: 100,
  candidates: 300,
}

/** What the predict route and the UI use unless asked otherwise. */
export const PREDICTION_DECODE: DetectionDecodeOptions = {
  ...EVALUATION_DECODE,
  scoreThreshold: 0.3,
}

/** One image's raw outputs, channels last (row-major [rows, cols, channels]), as the model gives them. */
export interface DetectionMaps {
  rows: number
  cols: number
  classes: number
  /** Input pixels per cell. */
  stride: number
  /** [rows, cols, classes]: probability (after the model's sigmoid) that a cell holds a centre. */
  heatmap: ArrayLike<number>
  /** [rows, cols, 2]: box width and height, in cells. */
  size: ArrayLike<number>
  /** [rows, cols, 2]: the centre's x and y within its cell, in cells (0–1 when trained). */
  offset: ArrayLike<number>
}

export interface DecodedBox {
  /** Index into the model's classes (labels.json `classes[i].index`). */
  classIndex: number
  score: number
  /** [x, y, w, h] in model-input pixels, clipped to the input. */
  bbox: [number, number, number, number]
  /** The heatmap cell the box was read at (a segmentation model's mask coefficients sit there). */
  cell?: { row: number; col: number }
}

/** Intersection over union of two [x, y, w, h] boxes; 0 when either is empty. */
export function boxOverlap(a: readonly number[], b: readonly number[]): number {
  const [ax, ay, aw, ah] = a as [number, number, number, number]
  const [bx, by, bw, bh] = b as [number, number, number, number]
  const iw = Math.min(ax + aw, bx + bw) - Math.max(ax, bx)
  const ih = Math.min(ay + ah, by + bh) - Math.max(ay, by)
  if (iw <= 0 || ih <= 0) return 0
  const inter = iw * ih
  const union = aw * ah + bw * bh - inter
  return union > 0 ? inter / union : 0
}

/** True when no cell of the 3×3 window around (row, col) in channel c scores higher. */
function isPeak(maps: DetectionMaps, row: number, col: number, c: number, value: number): boolean {
  const { rows, cols, classes, heatmap } = maps
  for (let dy = -1; dy <= 1; dy++)
    for (let dx = -1; dx <= 1; dx++) {
      const r = row + dy
      const k = col + dx
      if ((dy === 0 && dx === 0) || r < 0 || k < 0 || r >= rows || k >= cols) continue
      if ((heatmap[(r * cols + k) * classes + c] as number) > value) return false
    }
  return true
}

function peakBox(maps: DetectionMaps, row: number, col: number): DecodedBox['bbox'] {
  const { cols, stride, size, offset } = maps
  const cell = row * cols + col
  const cx = (col + (offset[cell * 2] as number)) * stride
  const cy = (row + (offset[cell * 2 + 1] as number)) * stride
  const w = Math.max(0, size[cell * 2] as number) * stride
  const h = Math.max(0, size[cell * 2 + 1] as number) * stride
  const inputW = maps.cols * stride
  const inputH = maps.rows * stride
  const x0 = Math.min(inputW, Math.max(0, cx - w / 2))
  const y0 = Math.min(inputH, Math.max(0, cy - h / 2))
  const x1 = Math.min(inputW, Math.max(0, cx + w / 2))
  const y1 = Math.min(inputH, Math.max(0, cy + h / 2))
  return [x0, y0, x1 - x0, y1 - y0]
}

/** Greedy NMS within each class over boxes sorted best first. */
function suppressPerClass(sorted: DecodedBox[], options: DetectionDecodeOptions): DecodedBox[] {
  const kept: DecodedBox[] = []
  for (const box of sorted) {
    if (kept.length >= options.maxDetections) break
    const overlapped = kept.some(
      (other) =>
        other.classIndex === box.classIndex && boxOverlap(other.bbox, box.bbox) > options.nmsIou,
    )
    if (!overlapped) kept.push(box)
  }
  return kept
}

/**
 * Boxes of one image, best first: heatmap peaks (cells no neighbour outscores in a 3×3 window, as
 * CenterNet's max-pool does) at or above the threshold, the best `candidates` of them made boxes,
 * then per-class NMS and the `maxDetections` cut. Ties keep the map's order, so it is deterministic.
 */
export function decodeDetections(
  maps: DetectionMaps,
  options: DetectionDecodeOptions,
): DecodedBox[] {
  const { rows, cols, classes, heatmap } = maps
  const peaks: { cell: number; c: number; score: number; order: number }[] = []
  for (let row = 0; row < rows; row++)
    for (let col = 0; col < cols; col++)
      for (let c = 0; c < classes; c++) {
        const score = heatmap[(row * cols + col) * classes + c] as number
        if (score >= options.scoreThreshold && isPeak(maps, row, col, c, score))
          peaks.push({ cell: row * cols + col, c, score, order: peaks.length })
      }
  peaks.sort((a, b) => b.score - a.score || a.order - b.order)
  const boxes = peaks.slice(0, options.candidates).map(({ cell, c, score }) => ({
    classIndex: c,
    score,
    bbox: peakBox(maps, Math.floor(cell / cols), cell % cols),
    cell: { row: Math.floor(cell / cols), col: cell % cols },
  }))
  return suppressPerClass(
    boxes.filter((box) => box.bbox[2] > 0 && box.bbox[3] > 0),
    options,
  )
}

/**
 * A box from model-input pixels to the image's own: images are stretched to the input (resize mode
 * 'fill'), so each axis scales on its own.
 */
export function toImagePixels(
  bbox: readonly number[],
  input: { width: number; height: number },
  image: { width: number; height: number },
): [number, number, number, number] {
  const sx = image.width / input.width
  const sy = image.height / input.height
  const [x, y, w, h] = bbox as [number, number, number, number]
  return [x * sx, y * sy, w * sx, h * sy]
}

/** labels.json's `detection` part: everything a reader needs to turn the outputs into boxes. */
export interface DetectionLabelsSpec {
  stride: number
  /** Each output's name and shape for one image, [rows, cols, channels]. */
  outputs: { name: DetectionOutputName; shape: [number, number, number]; meaning: string }[]
  decode: DetectionDecodeOptions
}
