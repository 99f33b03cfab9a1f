// Training targets of the detector, computed in plain JS outside the graph (so the trained graph
// needs no gather): CenterNet's Gaussian heatmap per class, the box size and sub-cell offset at
// each object's centre cell, a mask of those cells, and a weight map that is 0 over crowd regions
// (COCO's iscrowd: neither objects nor background, so the heatmap loss says nothing there).

/** A box of one image in input pixels. */
export interface TargetBox {
  classIndex: number
  /** [x, y, w, h] in model-input pixels. */
  bbox: readonly [number, number, number, number]
  iscrowd: 0 | 1
}

/** A batch's targets, channels last, row-major: [n, rows, cols, channels]. */
export interface DetectionTargets {
  count: number
  rows: number
  cols: number
  classes: number
  /** [n, rows, cols, classes]: Gaussian peaks of value 1 at object centres. */
  heatmap: Float32Array
  /** [n, rows, cols, classes]: 1 where an object's centre is (the focal loss' positives). */
  centres: Float32Array
  /** [n, rows, cols, classes]: 0 where the heatmap loss is not counted (crowd regions). */
  weight: Float32Array
  /** [n, rows, cols, 2]: box width and height in cells, at centre cells. */
  size: Float32Array
  /** [n, rows, cols, 2]: the centre's x and y within its cell, at centre cells. */
  offset: Float32Array
  /** [n, rows, cols, 1]: 1 at centre cells (any class). */
  centreMask: Float32Array
  /** Centre cells in the batch, the loss' normaliser. */
  objects: number
}

/** CenterNet's overlap the Gaussian's radius keeps boxes at: a box shifted by the radius still has IoU ≥ this. */
export const MIN_OVERLAP = 0.7

/** CenterNet's gaussian_radius: the smallest of the three corner-shift cases' radii (in cells). */
export function gaussianRadius(height: number, width: number, minOverlap = MIN_OVERLAP): number {
  const b1 = height + width
  const c1 = (width * height * (1 - minOverlap)) / (1 + minOverlap)
  const r1 = (b1 + Math.sqrt(b1 * b1 - 4 * c1)) / 2
  const b2 = 2 * (height + width)
  const c2 = (1 - minOverlap) * width * height
  const r2 = (b2 + Math.sqrt(b2 * b2 - 16 * c2)) / 2
  const a3 = 4 * minOverlap
  const b3 = -2 * minOverlap * (height + width)
  const c3 = (minOverlap - 1) * width * height
  const r3 = (b3 + Math.sqrt(b3 * b3 - 4 * a3 * c3)) / 2
  return Math.min(r1, r2, r3)
}

/** Draws a Gaussian of `radius` cells at (cx, cy) into one image's class plane, keeping the max. */
function drawGaussian(
  heatmap: Float32Array,
  base: number,
  t: Pick<DetectionTargets, 'rows' | 'cols' | 'classes'>,
  classIndex: number,
  cx: number,
  cy: number,
  radius: number,
): void {
  const sigma = (2 * radius + 1) / 6
  for (let dy = -radius; dy <= radius; dy++) {
    const r = cy + dy
    if (r < 0 || r >= t.rows) continue
    for (let dx = -radius; dx <= radius; dx++) {
      const c = cx + dx
      if (c < 0 || c >= t.cols) continue
      const value = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma))
      const at = base + (r * t.cols + c) * t.classes + classIndex
      if (value > (heatmap[at] as number)) heatmap[at] = value
    }
  }
}

/** Targets for a batch of images at `inputSize`² pixels, `stride` pixels per cell. */
export function detectionTargets(
  boxes: readonly (readonly TargetBox[])[],
  opts: { inputSize: number; stride: number; classes: number },
): DetectionTargets {
  const { stride, classes } = opts
  const rows = Math.ceil(opts.inputSize / stride)
  const cols = rows
  const count = boxes.length
  const cells = rows * cols
  const t: DetectionTargets = {
    count,
    rows,
    cols,
    classes,
    heatmap: new Float32Array(count * cells * classes),
    centres: new Float32Array(count * cells * classes),
    weight: new Float32Array(count * cells * classes).fill(1),
    size: new Float32Array(count * cells * 2),
    offset: new Float32Array(count * cells * 2),
    centreMask: new Float32Array(count * cells),
    objects: 0,
  }
  boxes.forEach((imageBoxes, n) => {
    const base = n * cells * classes
    // Crowd regions first, so an object's own centre inside one is still learnt.
    for (const box of imageBoxes) {
      if (box.iscrowd !== 1 || box.classIndex < 0 || box.classIndex >= classes) continue
      const [x, y, w, h] = box.bbox
      const c0 = Math.max(0, Math.floor(x / stride))
      const c1 = Math.min(cols - 1, Math.ceil((x + w) / stride) - 1)
      const r0 = Math.max(0, Math.floor(y / stride))
      const r1 = Math.min(rows - 1, Math.ceil((y + h) / stride) - 1)
      for (let r = r0; r <= r1; r++)
        for (let c = c0; c <= c1; c++)
          t.weight[base + (r * cols + c) * classes + box.classIndex] = 0
    }
    for (const box of imageBoxes) {
      if (box.iscrowd === 1 || box.classIndex < 0 || box.classIndex >= classes) continue
      const [x, y, w, h] = box.bbox
      if (!(w > 0 && h > 0)) continue
      const centreX = (x + w / 2) / stride
      const centreY = (y + h / 2) / stride
      const cx = Math.min(cols - 1, Math.max(0, Math.floor(centreX)))
      const cy = Math.min(rows - 1, Math.max(0, Math.floor(centreY)))
      const radius = Math.max(0, Math.floor(gaussianRadius(h / stride, w / stride)))
      drawGaussian(t.heatmap, base, t, box.classIndex, cx, cy, radius)
      const cell = n * cells + cy * cols + cx
      const at = base + (cy * cols + cx) * classes + box.classIndex
      t.centres[at] = 1
      t.weight[at] = 1
      if (t.centreMask[cell] === 0) t.objects++
      t.centreMask[cell] = 1
      t.size[cell * 2] = w / stride
      t.size[cell * 2 + 1] = h / stride
      t.offset[cell * 2] = centreX - cx
      t.offset[cell * 2 + 1] = centreY - cy
    }
  })
  return t
}
