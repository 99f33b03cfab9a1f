// The instance-segmentation rules for annotations' masks: each `segmentation` read as COCO reads it
// (polygons rasterised on the image, or RLE uncompressed or compressed), judged against its image
// (polygon points inside it within a tolerance, an RLE's size equal to it, a mask not empty), and
// the annotation's `bbox` and `area` compared with the mask's. Out come the masks, compressed, per
// annotation index, plus each annotation's box and area with the mask's filled in where missing,
// so the detection rules can then judge the boxes as they judge any detection dataset.

import type { AnnotationEntry, CocoEntries, ImageEntry } from './check-coco-shape'
import type { ImageSize } from './check-detection-boxes'
import type { FindingCollector } from './finding-collector'
import { rleArea, rleToBbox } from './coco-mask/rle'
import { rleToCompressed, type CompressedRle } from './coco-mask/rle-string'
import { segmentationToRle } from './coco-mask/segmentation'

/** How far polygon points may lie outside the image, in pixels: rounding in whatever drew them. */
export const POLYGON_TOLERANCE_PX = 1
/** A box side may differ from the mask's by this many pixels, or this share of the side. */
const BBOX_TOLERANCE_PX = 2
const BBOX_TOLERANCE_SHARE = 0.1
/** An area may differ from the mask's by this many pixels², or this share of it. */
const AREA_TOLERANCE_PX = 4
const AREA_TOLERANCE_SHARE = 0.15

export interface CheckedMasks {
  /** The mask of every annotation whose segmentation is valid, by annotation index. */
  masks: Map<number, CompressedRle>
  /** The annotations with a valid mask, their box and area taken from the mask where absent. */
  annotations: AnnotationEntry[]
}

function isPolygonList(value: unknown): value is unknown[] {
  return Array.isArray(value)
}

/** A reason the polygon list is unusable before rasterising, with where; undefined when fine. */
function polygonProblem(
  parts: unknown[],
  size: ImageSize,
):
  | { code: 'POLYGON_TOO_FEW_POINTS' | 'POLYGON_OUTSIDE_IMAGE'; message: string; at: number[] }
  | undefined {
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]
    if (!Array.isArray(part)) continue
    if (part.length < 6 || part.length % 2 !== 0)
      return {
        code: 'POLYGON_TOO_FEW_POINTS',
        message: `polygon ${i} has ${part.length} numbers; a polygon needs at least 3 (x, y) points`,
        at: [i],
      }
    for (let j = 0; j < part.length; j++) {
      const value = part[j]
      if (typeof value !== 'number') continue
      const limit = j % 2 === 0 ? size.width : size.height
      if (value < -POLYGON_TOLERANCE_PX || value > limit + POLYGON_TOLERANCE_PX)
        return {
          code: 'POLYGON_OUTSIDE_IMAGE',
          message: `polygon ${i} has ${j % 2 === 0 ? 'x' : 'y'} = ${value}, outside its ${size.width}×${size.height} image`,
          at: [i, j],
        }
    }
  }
  return undefined
}

function sideDiffers(a: number, b: number): boolean {
  return Math.abs(a - b) > Math.max(BBOX_TOLERANCE_PX, BBOX_TOLERANCE_SHARE * Math.max(a, b))
}

function compareWithMask(
  annotation: AnnotationEntry,
  maskBox: [number, number, number, number],
  maskArea: number,
  file: string | undefined,
  findings: FindingCollector,
): void {
  const { index, box } = annotation
  const at = ['annotations', index]
  const bbox = box.bbox
  if (Array.isArray(bbox) && bbox.length === 4 && bbox.every((v) => typeof v === 'number')) {
    const [x, y, w, h] = bbox as number[] as [number, number, number, number]
    const [mx, my, mw, mh] = maskBox
    if (
      sideDiffers(x, mx) ||
      sideDiffers(y, my) ||
      sideDiffers(x + w, mx + mw) ||
      sideDiffers(y + h, my + mh)
    )
      findings.add(
        'MASK_BBOX_MISMATCH',
        'warning',
        `annotations[${index}].bbox [${bbox.join(', ')}] differs from its mask's box [${maskBox.join(', ')}]`,
        { at: [...at, 'bbox'], file },
      )
  }
  const area = box.area
  if (
    typeof area === 'number' &&
    Math.abs(area - maskArea) > Math.max(AREA_TOLERANCE_PX, AREA_TOLERANCE_SHARE * maskArea)
  )
    findings.add(
      'MASK_AREA_MISMATCH',
      'warning',
      `annotations[${index}].area ${area} differs from its mask's ${maskArea} pixels`,
      { at: [...at, 'area'], file },
    )
}

export function checkSegmentationMasks(
  entries: CocoEntries,
  sizeOf: (image: ImageEntry) => ImageSize | undefined,
  findings: FindingCollector,
): CheckedMasks {
  const masks = new Map<number, CompressedRle>()
  const annotations: AnnotationEntry[] = []
  for (const annotation of entries.annotations) {
    const { index, box } = annotation
    const at: (string | number)[] = ['annotations', index, 'segmentation']
    const image = entries.images.get(annotation.imageId)
    const file = image?.fileName
    const segmentation = box.segmentation
    if (segmentation === undefined) {
      findings.add(
        'SEGMENTATION_MISSING',
        'error',
        `annotations[${index}] has no "segmentation"; instance segmentation needs a polygon list or an RLE mask`,
        { at: ['annotations', index], file },
      )
      continue
    }
    const size = image === undefined ? undefined : sizeOf(image)
    // Without the image's size (its file is missing or unreadable, reported already) a polygon
    // cannot be rasterised; the image is not trained on either way.
    if (size === undefined) continue
    if (isPolygonList(segmentation)) {
      const wrong = polygonProblem(segmentation, size)
      if (wrong) {
        findings.add(wrong.code, 'error', `annotations[${index}].segmentation: ${wrong.message}`, {
          at: [...at, ...wrong.at],
          file,
        })
        continue
      }
      if (box.iscrowd === 1)
        findings.add(
          'CROWD_NOT_RLE',
          'warning',
          `annotations[${index}] is a crowd region drawn as polygons; COCO writes crowd regions as RLE`,
          { at, file },
        )
    }
    const read = segmentationToRle(segmentation, size.height, size.width)
    if (!read.ok) {
      findings.add(
        'SEGMENTATION_INVALID',
        'error',
        `annotations[${index}].segmentation: ${read.problem.message}`,
        { at: [...at, ...read.problem.at], file },
      )
      continue
    }
    const { rle } = read
    if (rle.height !== size.height || rle.width !== size.width) {
      findings.add(
        'RLE_SIZE_MISMATCH',
        'error',
        `annotations[${index}].segmentation.size is [${rle.height}, ${rle.width}] but its image is ${size.height}×${size.width} (size is [height, width])`,
        { at: [...at, 'size'], file },
      )
      continue
    }
    const area = rleArea(rle)
    if (area === 0) {
      findings.add('MASK_EMPTY', 'error', `annotations[${index}].segmentation covers no pixel`, {
        at,
        file,
      })
      continue
    }
    const maskBox = rleToBbox(rle)
    compareWithMask(annotation, maskBox, area, file, findings)
    masks.set(index, rleToCompressed(rle))
    annotations.push({
      ...annotation,
      box: { ...box, bbox: box.bbox ?? maskBox, area: box.area ?? area },
    })
  }
  return { masks, annotations }
}
