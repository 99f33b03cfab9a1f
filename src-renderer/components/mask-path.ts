// A COCO mask as one SVG path: each run of object pixels in a column (COCO's RLE is column-major)
// becomes a one-pixel-wide rectangle, and neighbouring columns with the same run merge into one
// wider rectangle. Drawn in an SVG whose viewBox is the image's pixels, a mask scales with its
// thumbnail exactly as boxes do, with no canvas and no re-encoding of the image.

import { rleCountsFromString, type CompressedRle } from '../../src-shared/coco-mask/rle-string'

interface Span {
  x: number
  y: number
  width: number
  height: number
}

/** The object's vertical runs, column by column. */
function columnRuns(mask: CompressedRle): { x: number; y: number; height: number }[] {
  const [height] = mask.size
  const parsed = rleCountsFromString(mask.counts)
  if (!parsed.ok || height === 0) return []
  const runs: { x: number; y: number; height: number }[] = []
  let at = 0
  parsed.counts.forEach((length, i) => {
    // Odd runs are object pixels; a run may cross into the next column.
    if (i % 2 === 1) {
      let left = length
      let position = at
      while (left > 0) {
        const x = Math.floor(position / height)
        const y = position % height
        const take = Math.min(left, height - y)
        runs.push({ x, y, height: take })
        position += take
        left -= take
      }
    }
    at += length
  })
  return runs
}

/** Rectangles covering the mask, runs of equal rows in adjacent columns merged. */
export function maskSpans(mask: CompressedRle): Span[] {
  const open = new Map<string, Span>()
  const spans: Span[] = []
  for (const run of columnRuns(mask)) {
    const key = `${run.y}:${run.height}`
    const span = open.get(key)
    if (span && span.x + span.width === run.x) span.width++
    else {
      const fresh = { x: run.x, y: run.y, width: 1, height: run.height }
      open.set(key, fresh)
      spans.push(fresh)
    }
  }
  return spans
}

/** The SVG path data of the mask, in image pixels. */
export function maskPath(mask: CompressedRle): string {
  return maskSpans(mask)
    .map((s) => `M${s.x} ${s.y}h${s.width}v${s.height}h${-s.width}z`)
    .join('')
}
