// Scoring for the detection benchmark, the same for both engines: a scene folder read through the
// product's own loading and validation (obj_detection), raw output maps decoded by the product's
// one decoder (decodeDetections with EVALUATION_DECODE), and the boxes scored by the product's
// COCOeval port. Neither engine's numbers come from code of its own.

import { readFile } from 'node:fs/promises'
import type { CocoDetectionResult, CocoEvalGroundTruth } from '../src-shared/coco'
import type { CocoEvalReport } from '../src-shared/coco-eval-report'
import {
  boxOverlap,
  decodeDetections,
  EVALUATION_DECODE,
  type DecodedBox,
  type DetectionDecodeOptions,
  type DetectionMaps,
} from '../src-shared/tasks/detection-output'
import type { ClassInfo, ValidatedDataset } from '../src-shared/validate-annotations'
import { loadDataset } from '../src-main/dataset/load-dataset'
import { evaluateBoxes } from '../src-main/engine/evaluation/coco-eval'

export interface SceneSet {
  root: string
  classes: ClassInfo[]
  items: ValidatedDataset['items']
  /** Findings of the product's validation, by severity. */
  errors: number
  warnings: number
}

/**
 * A scene folder as a job sees it: validated for `trainType` (obj_detection unless told); throws
 * when it does not pass. A set that is only scored may have a class on a single image
 * (`minImagesPerClass` 1).
 */
export async function loadSceneSet(
  root: string,
  minImagesPerClass?: number,
  trainType: 'obj_detection' | 'instance_segmentation' = 'obj_detection',
): Promise<SceneSet> {
  const { report, dataset } = await loadDataset(root, {
    trainType,
    ...(minImagesPerClass !== undefined && { minImagesPerClass }),
  })
  if (dataset === undefined)
    throw new Error(`the scenes did not validate: ${JSON.stringify(report.findings.slice(0, 5))}`)
  return {
    root,
    classes: [...dataset.classes].sort((a, b) => a.index - b.index),
    items: dataset.items,
    errors: report.errors,
    warnings: report.warnings,
  }
}

/** The peer's maps file: float32 [images, rows, cols, classes + 4] → one DetectionMaps per image. */
export async function readMapsFile(
  file: string,
  shape: { images: number; rows: number; cols: number; classes: number; stride: number },
): Promise<DetectionMaps[]> {
  const bytes = await readFile(file)
  const { images, rows, cols, classes, stride } = shape
  const depth = classes + 4
  const cells = rows * cols
  if (bytes.byteLength !== images * cells * depth * 4)
    throw new Error('the maps file does not have the announced shape')
  const all = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  )
  return Array.from({ length: images }, (_, n) => {
    const heatmap = new Float32Array(cells * classes)
    const size = new Float32Array(cells * 2)
    const offset = new Float32Array(cells * 2)
    for (let cell = 0; cell < cells; cell++) {
      const at = (n * cells + cell) * depth
      heatmap.set(all.subarray(at, at + classes), cell * classes)
      size.set(all.subarray(at + classes, at + classes + 2), cell * 2)
      offset.set(all.subarray(at + classes + 2, at + classes + 4), cell * 2)
    }
    return { rows, cols, classes, stride, heatmap, size, offset }
  })
}

/** Boxes per image of the set, in its order; the scenes are the model's input size, so no rescale. */
export function decodeAll(
  maps: readonly DetectionMaps[],
  options: DetectionDecodeOptions = EVALUATION_DECODE,
): DecodedBox[][] {
  return maps.map((one) => decodeDetections(one, options))
}

function groundTruths(set: SceneSet): CocoEvalGroundTruth[] {
  const out: CocoEvalGroundTruth[] = []
  for (const item of set.items)
    for (const box of item.boxes ?? [])
      out.push({
        id: out.length + 1,
        image_id: item.imageId,
        category_id: box.categoryId,
        bbox: box.bbox,
        area: box.area,
        iscrowd: box.iscrowd,
      })
  return out
}

/** COCOeval (bbox) of one engine's decoded boxes, given per item of `set` in its order. */
export function scoreDetections(set: SceneSet, boxes: readonly DecodedBox[][]): CocoEvalReport {
  if (boxes.length !== set.items.length) throw new Error('one list of boxes per image is needed')
  const detections: CocoDetectionResult[] = []
  set.items.forEach((item, n) => {
    for (const box of boxes[n] ?? [])
      detections.push({
        image_id: item.imageId,
        category_id: set.classes[box.classIndex]?.categoryId ?? -1,
        bbox: box.bbox,
        score: box.score,
      })
  })
  return evaluateBoxes({
    imageIds: set.items.map((item) => item.imageId),
    categoryIds: set.classes.map((c) => c.categoryId),
    groundTruths: groundTruths(set),
    detections,
  })
}

/**
 * What a user of the predict route would see at its threshold: boxes kept, and how many of the true
 * boxes one of the same class overlaps by IoU ≥ .5 (each true box and each prediction used once).
 */
export function predictionCheck(
  set: SceneSet,
  boxes: readonly DecodedBox[][],
): {
  images: number
  objects: number
  predicted: number
  found: number
  recall: number
  precision: number
} {
  let objects = 0
  let predicted = 0
  let found = 0
  set.items.forEach((item, n) => {
    const truths = (item.boxes ?? []).filter((box) => box.iscrowd === 0)
    const used = new Set<number>()
    objects += truths.length
    for (const box of boxes[n] ?? []) {
      predicted++
      const category = set.classes[box.classIndex]?.categoryId
      const match = truths.findIndex(
        (truth, t) =>
          !used.has(t) && truth.categoryId === category && boxOverlap(truth.bbox, box.bbox) >= 0.5,
      )
      if (match >= 0) {
        used.add(match)
        found++
      }
    }
  })
  const ratio = (a: number, b: number) => (b > 0 ? Number((a / b).toFixed(4)) : 0)
  return {
    images: set.items.length,
    objects,
    predicted,
    found,
    recall: ratio(found, objects),
    precision: ratio(found, predicted),
  }
}
