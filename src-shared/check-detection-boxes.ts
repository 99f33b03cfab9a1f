// The detection rules for annotations' boxes: each `bbox` judged against its image (malformed,
// outside, clipped, tiny), `area` and `iscrowd` read as COCO defines them, and near-identical boxes
// of one category found. Out come the boxes to train and evaluate on, per image id, in image pixels.

import type { CocoEntries, ImageEntry } from './check-coco-shape'
import type { FindingCollector } from './finding-collector'
import { boxIou } from './coco-mask/mask-iou'
import type { CocoBox } from './coco-mask/rle'
import type { CompressedRle } from './coco-mask/rle-string'

export interface DatasetBox {
  categoryId: number
  /** [x, y, w, h] in pixels, clipped to the image. */
  bbox: [number, number, number, number]
  /** The annotation's own `area` (COCO's area ranges use it), or w×h when it gives none. */
  area: number
  /** 1: a crowd region, neither trained as an object nor counted in evaluation; COCO ignores detections on it. */
  iscrowd: 0 | 1
  /** Instance segmentation only: the object's mask in the image's pixels, as COCO compresses it. */
  mask?: CompressedRle
}

export interface ImageSize {
  width: number
  height: number
}

/** Overshoot up to this is rounding in whatever wrote the file, clipped without a word. */
const CLIP_TOLERANCE_PX = 0.01
const TINY_SIDE_PX = 2
const TINY_AREA_PX = 16
export const DUPLICATE_IOU = 0.95
/**
 * Each box is compared with this many neighbours in x order: boxes that nearly coincide sit next to
 * each other there, and the bound keeps a file with 100,000 boxes on one image from taking hours.
 */
const DUPLICATE_WINDOW = 64

function formatBox(box: readonly number[]): string {
  return `[${box.map((v) => Math.round(v * 100) / 100).join(', ')}]`
}

/** A finite [x, y, w, h] with w, h > 0, or a reason it is not. */
function readBbox(value: unknown): [number, number, number, number] | string {
  if (value === undefined) return 'is missing; detection needs [x, y, width, height]'
  if (!Array.isArray(value) || value.length !== 4)
    return 'must be [x, y, width, height]: an array of 4 numbers'
  if (!value.every((v): v is number => typeof v === 'number' && Number.isFinite(v)))
    return 'must hold 4 finite numbers'
  const [x, y, w, h] = value as [number, number, number, number]
  if (!(w > 0 && h > 0)) return `has width ${w} and height ${h}; both must be above 0`
  return [x, y, w, h]
}

interface Placed {
  index: number
  box: DatasetBox
}

function findDuplicates(placed: Placed[], findings: FindingCollector): void {
  const groups = new Map<number, Placed[]>()
  for (const item of placed) {
    if (item.box.iscrowd === 1) continue
    const group = groups.get(item.box.categoryId) ?? []
    group.push(item)
    groups.set(item.box.categoryId, group)
  }
  for (const group of groups.values()) {
    group.sort((a, b) => a.box.bbox[0] - b.box.bbox[0] || a.index - b.index)
    const reported = new Set<number>()
    for (let i = 0; i < group.length; i++) {
      const a = group[i] as Placed
      for (let j = i + 1; j < Math.min(group.length, i + 1 + DUPLICATE_WINDOW); j++) {
        const b = group[j] as Placed
        if (b.box.bbox[0] >= a.box.bbox[0] + a.box.bbox[2]) break
        if (boxIou(a.box.bbox as CocoBox, b.box.bbox as CocoBox, false) <= DUPLICATE_IOU) continue
        const [first, later] = a.index < b.index ? [a, b] : [b, a]
        if (reported.has(later.index)) continue
        reported.add(later.index)
        findings.add(
          'BBOX_DUPLICATE',
          'warning',
          `annotations[${later.index}].bbox ${formatBox(later.box.bbox)} nearly repeats annotations[${first.index}] (same image and category, IoU above ${DUPLICATE_IOU})`,
          { at: ['annotations', later.index, 'bbox'] },
        )
      }
    }
  }
}

/**
 * The valid boxes of every image that has any. Boxes of images whose size is unknown (no width or
 * height anywhere) are kept unclipped: the file is then missing or unreadable, reported already.
 */
export function checkDetectionBoxes(
  entries: CocoEntries,
  sizeOf: (image: ImageEntry) => ImageSize | undefined,
  findings: FindingCollector,
  /** Instance segmentation: each annotation's mask, by annotation index, carried onto its box. */
  masks?: ReadonlyMap<number, CompressedRle>,
): Map<number, DatasetBox[]> {
  const placedByImage = new Map<number, Placed[]>()
  const withoutArea: number[] = []
  for (const annotation of entries.annotations) {
    const { index, box: raw } = annotation
    const at = ['annotations', index]
    const read = readBbox(raw.bbox)
    if (typeof read === 'string') {
      findings.add('BBOX_INVALID', 'error', `annotations[${index}].bbox ${read}`, {
        at: [...at, 'bbox'],
      })
      continue
    }
    let iscrowd: 0 | 1 = 0
    if (raw.iscrowd !== undefined) {
      if (raw.iscrowd === 0 || raw.iscrowd === 1) iscrowd = raw.iscrowd
      else {
        findings.add('WRONG_TYPE', 'error', `annotations[${index}].iscrowd must be 0 or 1`, {
          at: [...at, 'iscrowd'],
        })
        continue
      }
    }
    if (
      raw.area !== undefined &&
      !(typeof raw.area === 'number' && Number.isFinite(raw.area) && raw.area >= 0)
    ) {
      findings.add('WRONG_TYPE', 'error', `annotations[${index}].area must be a number ≥ 0`, {
        at: [...at, 'area'],
      })
      continue
    }

    const image = entries.images.get(annotation.imageId)
    const size = image === undefined ? undefined : sizeOf(image)
    let bbox = read
    if (size !== undefined) {
      const [x, y, w, h] = read
      const x0 = Math.max(0, x)
      const y0 = Math.max(0, y)
      const x1 = Math.min(size.width, x + w)
      const y1 = Math.min(size.height, y + h)
      if (x1 <= x0 || y1 <= y0) {
        findings.add(
          'BBOX_OUTSIDE_IMAGE',
          'error',
          `annotations[${index}].bbox ${formatBox(read)} lies wholly outside its ${size.width}×${size.height} image`,
          { at: [...at, 'bbox'], file: image?.fileName },
        )
        continue
      }
      bbox = [x0, y0, x1 - x0, y1 - y0]
      const cut = Math.max(x0 - x, y0 - y, x + w - x1, y + h - y1)
      if (cut > CLIP_TOLERANCE_PX)
        findings.add(
          'BBOX_CLIPPED',
          'warning',
          `annotations[${index}].bbox ${formatBox(read)} reaches outside its ${size.width}×${size.height} image and is clipped to ${formatBox(bbox)}`,
          { at: [...at, 'bbox'], file: image?.fileName },
        )
    }
    const [, , w, h] = bbox
    if (iscrowd === 0 && (w < TINY_SIDE_PX || h < TINY_SIDE_PX || w * h < TINY_AREA_PX))
      findings.add(
        'BBOX_TINY',
        'warning',
        `annotations[${index}].bbox ${formatBox(bbox)} is tiny (a side under ${TINY_SIDE_PX} px or an area under ${TINY_AREA_PX} px²): hard to learn and to find`,
        { at: [...at, 'bbox'], file: image?.fileName },
      )
    if (raw.area === undefined) withoutArea.push(index)
    const area = typeof raw.area === 'number' ? raw.area : w * h
    const placed = placedByImage.get(annotation.imageId) ?? []
    const mask = masks?.get(index)
    placed.push({
      index,
      box: { categoryId: annotation.categoryId, bbox, area, iscrowd, ...(mask && { mask }) },
    })
    placedByImage.set(annotation.imageId, placed)
  }

  const first = withoutArea[0]
  if (first !== undefined) {
    const count = withoutArea.length
    findings.add(
      'AREA_MISSING',
      'warning',
      `${count} annotation${count === 1 ? ' has' : 's have'} no "area" (the first is annotations[${first}]); the box's width × height is used`,
      { at: ['annotations', first, 'area'] },
    )
  }

  const boxes = new Map<number, DatasetBox[]>()
  for (const [imageId, placed] of placedByImage) {
    findDuplicates(placed, findings)
    boxes.set(
      imageId,
      placed.sort((a, b) => a.index - b.index).map((item) => item.box),
    )
  }
  return boxes
}
