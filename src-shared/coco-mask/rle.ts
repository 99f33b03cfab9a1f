// COCO's run-length encoded binary mask: the type, encoding from and decoding to pixel masks,
// area and bounding box. Pixels run in column-major order (down each column, then to the next
// column, index = x * height + y), because that is the order COCO's counts are defined in; the
// first count is always the number of background pixels, so a mask starting with a foreground
// pixel begins with a zero count.

/** A binary mask as COCO's run lengths: alternating background and foreground run lengths. */
export interface Rle {
  height: number
  width: number
  /** Run lengths, starting with background; they sum to height * width when well formed. */
  counts: Uint32Array
}

/** A COCO bounding box, `[x, y, width, height]` in pixels. */
export type CocoBox = [number, number, number, number]

export function emptyRle(height: number, width: number): Rle {
  return { height, width, counts: Uint32Array.of(height * width) }
}

/** Whether the runs cover the image exactly, which every other function here assumes. */
export function rleCoversImage(rle: Rle): boolean {
  let total = 0
  for (const count of rle.counts) total += count
  return total === rle.height * rle.width
}

/** Run lengths of a column-major mask (any non-zero byte is foreground). */
export function rleEncode(mask: Uint8Array, height: number, width: number): Rle {
  const size = height * width
  if (mask.length !== size) throw new RangeError('mask length must be height * width')
  // At most one run per pixel plus the leading background run.
  const counts = new Uint32Array(size + 1)
  let runs = 0
  let value = 0
  let run = 0
  for (let i = 0; i < size; i++) {
    const pixel = mask[i] === 0 ? 0 : 1
    if (pixel !== value) {
      counts[runs++] = run
      run = 0
      value = pixel
    }
    run++
  }
  counts[runs++] = run
  return { height, width, counts: counts.slice(0, runs) }
}

/** The column-major mask (0 or 1 per pixel); runs past the image's end are cut off. */
export function rleDecode(rle: Rle): Uint8Array {
  const size = rle.height * rle.width
  const mask = new Uint8Array(size)
  let at = 0
  for (let j = 0; j < rle.counts.length && at < size; j++) {
    const end = Math.min(size, at + (rle.counts[j] as number))
    if (j % 2 === 1) mask.fill(1, at, end)
    at = end
  }
  return mask
}

/** Run lengths of a row-major mask (the layout of canvases, images and tensors). */
export function rleEncodeRowMajor(mask: Uint8Array, height: number, width: number): Rle {
  if (mask.length !== height * width) throw new RangeError('mask length must be height * width')
  const columnMajor = new Uint8Array(height * width)
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) columnMajor[x * height + y] = mask[y * width + x] as number
  return rleEncode(columnMajor, height, width)
}

/** The row-major mask (0 or 1 per pixel), for drawing. */
export function rleDecodeRowMajor(rle: Rle): Uint8Array {
  const { height, width } = rle
  const columnMajor = rleDecode(rle)
  const rowMajor = new Uint8Array(height * width)
  for (let x = 0; x < width; x++)
    for (let y = 0; y < height; y++) rowMajor[y * width + x] = columnMajor[x * height + y] as number
  return rowMajor
}

/** Foreground pixels: the sum of the odd-indexed runs. */
export function rleArea(rle: Rle): number {
  let area = 0
  for (let j = 1; j < rle.counts.length; j += 2) area += rle.counts[j] as number
  return area
}

/**
 * The mask's bounding box as COCO's `rleToBbox` computes it: from the first and last pixel of
 * each foreground run. A run that wraps from one column into the next covers the whole height
 * between them, so such a run widens the box to the full image height, as in COCO (which is
 * exact: a wrapping run touches the last row of one column and the first row of the next).
 * An empty mask gives `[0, 0, 0, 0]`.
 */
export function rleToBbox(rle: Rle): CocoBox {
  const { height, width, counts } = rle
  // A trailing background run has no foreground after it; COCO ignores an unpaired last run.
  const paired = counts.length - (counts.length % 2)
  if (paired === 0) return [0, 0, 0, 0]
  let xStart = width
  let yStart = height
  let xEnd = 0
  let yEnd = 0
  let xRunStart = 0
  let covered = 0
  for (let j = 0; j < paired; j++) {
    covered += counts[j] as number
    // The first pixel of a foreground run at even j, its last pixel at odd j. COCO does this in
    // unsigned arithmetic, so a leading pair of zero runs wraps around: kept for identical boxes.
    const pixel = (covered - (j % 2)) >>> 0
    const y = pixel % height
    const x = (pixel - y) / height
    if (j % 2 === 0) xRunStart = x
    else if (xRunStart < x) {
      yStart = 0
      yEnd = height - 1
    }
    xStart = Math.min(xStart, x)
    xEnd = Math.max(xEnd, x)
    yStart = Math.min(yStart, y)
    yEnd = Math.max(yEnd, y)
  }
  return [xStart, yStart, xEnd - xStart + 1, yEnd - yStart + 1]
}
