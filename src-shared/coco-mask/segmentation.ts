// An annotation's COCO `segmentation` field read into one RLE mask, the way pycocotools'
// `annToRLE` (with `frPyObjects`) reads it, or the reason it cannot be read:
// - a list of polygons (flat `[x1, y1, x2, y2, …]` lists) → each rasterised on the image, then
//   their union, since one object may be drawn in several parts;
// - uncompressed RLE `{size: [h, w], counts: number[]}`;
// - compressed RLE `{size: [h, w], counts: string}`.
// An RLE keeps its own `size`: comparing it with the image's is the caller's judgement to make.
// Problems are values with a path relative to the field, so a validator can point into the file.

import { rleCoversImage, type CocoBox, type Rle } from './rle'
import { rleMerge } from './rle-merge'
import { rleCountsFromString } from './rle-string'
import { rleFromBox, rleFromPolygon } from './polygon-to-rle'

export type SegmentationProblemKind =
  | 'NOT_A_SEGMENTATION'
  | 'NO_POLYGONS'
  | 'BAD_POLYGON'
  | 'BAD_RLE_SIZE'
  | 'BAD_RLE_COUNTS'
  | 'RLE_COUNTS_DO_NOT_COVER_IMAGE'

export interface SegmentationProblem {
  kind: SegmentationProblemKind
  message: string
  /** Where inside the `segmentation` value, e.g. `[2, 5]` or `['counts']`. */
  at: (string | number)[]
}

export type SegmentationRead = { ok: true; rle: Rle } | { ok: false; problem: SegmentationProblem }

function problem(
  kind: SegmentationProblemKind,
  message: string,
  at: (string | number)[] = [],
): SegmentationRead {
  return { ok: false, problem: { kind, message, at } }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isDimension(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
}

/** The list of polygons' parts, checked to be lists of finite numbers. */
function readPolygons(parts: unknown[]): { ok: true; parts: number[][] } | SegmentationRead {
  const checked: number[][] = []
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]
    if (!Array.isArray(part)) return problem('BAD_POLYGON', 'a polygon must be a list', [i])
    for (let j = 0; j < part.length; j++)
      if (typeof part[j] !== 'number' || !Number.isFinite(part[j]))
        return problem('BAD_POLYGON', 'polygon coordinates must be finite numbers', [i, j])
    checked.push(part as number[])
  }
  return { ok: true, parts: checked }
}

function fromPolygonList(parts: unknown[], height: number, width: number): SegmentationRead {
  const first = parts[0]
  if (first === undefined) return problem('NO_POLYGONS', 'the polygon list is empty')
  if (!Array.isArray(first)) return problem('BAD_POLYGON', 'a polygon must be a list', [0])
  const read = readPolygons(parts)
  if (!('parts' in read)) return read
  // pycocotools picks the reading by the first part alone: exactly 4 numbers make every part a
  // box `[x, y, w, h]`; fewer than 4 cannot be read at all. Kept so masks (and so mask mAP)
  // match it on the same file; a validator should reject such polygons anyway.
  if (first.length < 4) return problem('BAD_POLYGON', 'a polygon needs at least 3 points', [0])
  if (first.length === 4) {
    const odd = read.parts.findIndex((part) => part.length !== 4)
    if (odd >= 0) return problem('BAD_POLYGON', 'parts read as boxes must have 4 numbers', [odd])
    const boxes = read.parts.map((p) => rleFromBox(p as CocoBox, height, width))
    return { ok: true, rle: rleMerge(boxes) }
  }
  return { ok: true, rle: rleMerge(read.parts.map((p) => rleFromPolygon(p, height, width))) }
}

function fromRleObject(field: Record<string, unknown>): SegmentationRead {
  const size = field['size']
  if (!Array.isArray(size) || size.length !== 2 || !isDimension(size[0]) || !isDimension(size[1]))
    return problem('BAD_RLE_SIZE', 'size must be [height, width] in whole pixels', ['size'])
  const [height, width] = size as [number, number]
  const counts = field['counts']
  let runs: Uint32Array
  if (typeof counts === 'string') {
    const parsed = rleCountsFromString(counts)
    if (!parsed.ok)
      return problem('BAD_RLE_COUNTS', `counts is not a COCO RLE string: ${parsed.reason}`, [
        'counts',
      ])
    runs = parsed.counts
  } else if (Array.isArray(counts)) {
    const bad = counts.findIndex(
      (c) => typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 2 ** 32 - 1,
    )
    if (bad >= 0)
      return problem('BAD_RLE_COUNTS', 'counts must be whole numbers of pixels', ['counts', bad])
    runs = Uint32Array.from(counts as number[])
  } else {
    return problem('BAD_RLE_COUNTS', 'counts must be a list of numbers or a string', ['counts'])
  }
  const rle: Rle = { height, width, counts: runs }
  // COCO's tools would read past the mask or stop short; an RLE must cover its size exactly.
  if (!rleCoversImage(rle))
    return problem(
      'RLE_COUNTS_DO_NOT_COVER_IMAGE',
      `counts must add up to height × width (${height * width})`,
      ['counts'],
    )
  return { ok: true, rle }
}

/**
 * One RLE mask for an annotation's `segmentation` on an image of `height` × `width` (used to
 * rasterise polygons; an RLE brings its own size).
 */
export function segmentationToRle(
  segmentation: unknown,
  height: number,
  width: number,
): SegmentationRead {
  if (Array.isArray(segmentation)) return fromPolygonList(segmentation, height, width)
  if (isRecord(segmentation) && 'counts' in segmentation && 'size' in segmentation)
    return fromRleObject(segmentation)
  return problem(
    'NOT_A_SEGMENTATION',
    'segmentation must be a list of polygons or an RLE object {size, counts}',
  )
}
