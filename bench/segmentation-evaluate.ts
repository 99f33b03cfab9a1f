// Scoring for the segmentation benchmark, the same for both engines: a scene folder read through
// the product's own loading and validation (instance_segmentation), raw outputs decoded by the
// product's one decoder (decodeDetections with EVALUATION_DECODE, then instanceMask per box), and
// masks and boxes scored by the segmenter's own final evaluation (the COCOeval port, 'segm').

import { readFile } from 'node:fs/promises'
import { instanceMask, type PrototypeMaps } from '../src-shared/tasks/segmentation-output'
import type { DetectionMaps } from '../src-shared/tasks/detection-output'
import {
  evaluateSegmentations,
  type EvaluatedSegmentationImage,
  type SegmenterEvaluation,
} from '../src-main/engine/tasks/segmentation/evaluate-segmenter'
import { maskAtInput } from '../src-main/engine/tasks/segmentation/instance-masks'
import type {
  MaskedBox,
  SegmentationSet,
} from '../src-main/engine/tasks/segmentation/train-segmenter'
import { decodeAll, loadSceneSet, type SceneSet } from './detection-evaluate'
import { sceneSamples } from './scene-pixels'

/** A scene folder as a job sees it, validated for instance_segmentation; throws when it fails. */
export function loadSegmentationSceneSet(
  root: string,
  minImagesPerClass?: number,
): Promise<SceneSet> {
  return loadSceneSet(root, minImagesPerClass, 'instance_segmentation')
}

/** The scenes' pixels (already the input size), boxes and masks, as the engine trains on them. */
export function segmentationSet(set: SceneSet, size: number): Promise<SegmentationSet> {
  return sceneSamples(set, size, (box) => ({
    ...(box.mask && { mask: maskAtInput(box.mask, size) }),
  }))
}

/** The peer's prototype file: float32 [images, rows, cols, k] coefficients, then [images, pr, pc, k] prototypes. */
export async function readPrototypeFile(
  file: string,
  shape: {
    images: number
    rows: number
    cols: number
    protoRows: number
    protoCols: number
    prototypes: number
    inputSize: number
  },
): Promise<PrototypeMaps[]> {
  const bytes = await readFile(file)
  const { images, rows, cols, protoRows, protoCols, prototypes: k } = shape
  const head = rows * cols * k
  const proto = protoRows * protoCols * k
  if (bytes.byteLength !== images * (head + proto) * 4)
    throw new Error('the prototype file does not have the announced shape')
  const all = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  )
  return Array.from({ length: images }, (_, n) => ({
    stride: shape.inputSize / protoCols,
    rows: protoRows,
    cols: protoCols,
    count: k,
    headCols: cols,
    coefficients: all.subarray(n * head, (n + 1) * head),
    prototypes: all.subarray(images * head + n * proto, images * head + (n + 1) * proto),
  }))
}

/** Raw outputs per image → decoded boxes with masks, through the product's decoder. */
export function decodeMasked(
  maps: readonly DetectionMaps[],
  prototypes: readonly PrototypeMaps[],
  inputSize: number,
): MaskedBox[][] {
  const input = { width: inputSize, height: inputSize }
  return decodeAll(maps).map((boxes, n) =>
    boxes.map((box) => ({
      ...box,
      mask: instanceMask(box, prototypes[n] as PrototypeMaps, input, input),
    })),
  )
}

/** The segmenter's final evaluation of one engine's masked boxes, given per item of `set`. */
export function scoreSegmentations(
  set: SceneSet,
  masked: readonly (readonly MaskedBox[])[],
  inputSize: number,
): SegmenterEvaluation {
  if (masked.length !== set.items.length) throw new Error('one list of boxes per image is needed')
  const classOf = new Map(set.classes.map((c) => [c.categoryId, c.index]))
  const images: EvaluatedSegmentationImage[] = set.items.map((item) => ({
    file: item.fileName,
    width: inputSize,
    height: inputSize,
    boxes: (item.boxes ?? []).map((box) => ({
      classIndex: classOf.get(box.categoryId) ?? 0,
      bbox: box.bbox,
      area: box.area,
      iscrowd: box.iscrowd,
      ...(box.mask && { mask: box.mask }),
    })),
  }))
  return evaluateSegmentations({
    masked,
    images,
    classes: set.classes.map((c) => ({ name: c.name, categoryId: c.categoryId })),
    inputSize,
  })
}
