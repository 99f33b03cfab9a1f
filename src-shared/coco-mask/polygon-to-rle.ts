// Polygon (and box) to RLE with COCO's own rasteriser, so areas, masks and mask IoUs are the
// pixels every COCO tool computes. A canvas fill would disagree on edge pixels, and mAP at high
// IoU thresholds is sensitive to exactly those.
//
// The rule, as COCO's `rleFrPoly` defines it:
// 1. Scale the vertices by 5 and round to integers (C's `(int)(5v + .5)`, which truncates toward
//    zero, so negative coordinates round differently from positive ones — kept for equal pixels).
// 2. Walk every edge, closing the polygon, through the integer points of the fine grid: one point
//    per step along the edge's longer axis, the other coordinate rounded the same way. Each edge
//    is walked from its end with the smaller coordinate along that axis, so an edge and its
//    reverse give the same points.
// 3. Wherever the walk steps from fine column 5X+2 to 5X+3 (either way), the boundary crosses the
//    vertical line through the centres of pixel column X (x = X + 0.5 in COCO's coordinates, where
//    pixel X spans [X, X+1]). The crossing's row is the first pixel row at or below the smaller of
//    the two fine y values, mapped back the same way and clamped to [0, height]. Columns outside
//    the image are dropped.
// 4. Every crossing toggles the mask from pixel (X, row) down to the end of the image in
//    column-major order; sorting the crossings' pixel indices and taking differences gives the
//    runs, and two crossings at the same pixel cancel.
// A pixel is therefore inside when its centre is inside the (finely rounded) polygon; a centre
// exactly on a horizontal top edge is outside and one on a horizontal bottom edge is inside.

import type { CocoBox, Rle } from './rle'

const SCALE = 5

/** C's `(int)(v + .5)`: round half up for positive values, toward zero below. */
function roundLikeC(value: number): number {
  return Math.trunc(value + 0.5)
}

/**
 * Fine-grid points along the closed boundary of `xy` (a flat `[x1, y1, x2, y2, …]` list).
 * Returns the points' x and y arrays and how many there are.
 */
function boundaryWalk(xy: ArrayLike<number>): { u: Int32Array; v: Int32Array; length: number } {
  const k = Math.floor(xy.length / 2)
  const x = new Int32Array(k + 1)
  const y = new Int32Array(k + 1)
  for (let j = 0; j < k; j++) {
    x[j] = roundLikeC(SCALE * (xy[2 * j] as number))
    y[j] = roundLikeC(SCALE * (xy[2 * j + 1] as number))
  }
  x[k] = x[0] as number
  y[k] = y[0] as number
  let length = 0
  for (let j = 0; j < k; j++)
    length +=
      Math.max(
        Math.abs((x[j] as number) - (x[j + 1] as number)),
        Math.abs((y[j] as number) - (y[j + 1] as number)),
      ) + 1
  const u = new Int32Array(length)
  const v = new Int32Array(length)
  let m = 0
  for (let j = 0; j < k; j++) {
    let xs = x[j] as number
    let xe = x[j + 1] as number
    let ys = y[j] as number
    let ye = y[j + 1] as number
    const dx = Math.abs(xe - xs)
    const dy = Math.abs(ys - ye)
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye)
    if (flip) {
      ;[xs, xe] = [xe, xs]
      ;[ys, ye] = [ye, ys]
    }
    // The walk computes from the flipped (ascending) end but still emits the points in the
    // edge's own direction, so consecutive points stay neighbours across edges.
    if (dx >= dy) {
      const slope = (ye - ys) / dx
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d
        u[m] = t + xs
        v[m] = roundLikeC(ys + slope * t)
        m++
      }
    } else {
      const slope = (xe - xs) / dy
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d
        v[m] = t + ys
        u[m] = roundLikeC(xs + slope * t)
        m++
      }
    }
  }
  return { u, v, length: m }
}

/** The polygon's mask on a `height` × `width` image, pixel for pixel as COCO rasterises it. */
export function rleFromPolygon(xy: ArrayLike<number>, height: number, width: number): Rle {
  const { u, v, length } = boundaryWalk(xy)
  // Pixel indices (column-major) where the mask toggles, plus the image's end as a sentinel.
  const toggles = new Uint32Array(length + 1)
  let found = 0
  for (let j = 1; j < length; j++) {
    const uj = u[j] as number
    const uPrevious = u[j - 1] as number
    if (uj === uPrevious) continue
    const column = (Math.min(uj, uPrevious) + 0.5) / SCALE - 0.5
    if (Math.floor(column) !== column || column < 0 || column > width - 1) continue
    let row = (Math.min(v[j] as number, v[j - 1] as number) + 0.5) / SCALE - 0.5
    if (row < 0) row = 0
    else if (row > height) row = height
    row = Math.ceil(row)
    toggles[found++] = column * height + row
  }
  toggles[found++] = height * width
  const sorted = toggles.subarray(0, found).sort()
  // Differences of the sorted indices are the runs; a zero difference means two toggles at one
  // pixel, which cancel, so the run after them joins the run before.
  const counts = new Uint32Array(found)
  let runs = 0
  let previous = 0
  let j = 0
  const difference = (at: number): number => {
    const value = (sorted[at] as number) - previous
    previous = sorted[at] as number
    return value
  }
  counts[runs++] = difference(j++)
  while (j < found) {
    const run = difference(j++)
    if (run > 0) counts[runs++] = run
    else if (j < found) counts[runs - 1] = (counts[runs - 1] as number) + difference(j++)
  }
  return { height, width, counts: counts.slice(0, runs) }
}

/** A box's mask, as COCO's `rleFrBbox` makes it: the polygon of its four corners. */
export function rleFromBox(box: CocoBox, height: number, width: number): Rle {
  const [x, y, w, h] = box
  return rleFromPolygon([x, y, x, y + h, x + w, y + h, x + w, y], height, width)
}
