// Training an instance segmenter: the detector's loop with the segmentation extension — the
// network with coefficient and prototype heads, each batch's mask loss on masks moved by the same
// augmentation as the pixels, and a validation pass that assembles every decoded box's mask and
// scores mask AP@.5, the metric the schedule watches (so the kept weights are the best on masks).

import * as tf from '@tensorflow/tfjs'
import type { Rle } from '../../../../src-shared/coco-mask/rle'
import type { EpochMetrics } from '../../../../src-shared/job-events'
import { rleArea, rleEncodeRowMajor } from '../../../../src-shared/coco-mask/rle'
import type { DecodedBox } from '../../../../src-shared/tasks/detection-output'
import type { SegmentationEpochMetrics } from '../../../../src-shared/tasks/segmentation-metrics'
import { instanceMask, type PrototypeMaps } from '../../../../src-shared/tasks/segmentation-output'
import { isSegmentationEpoch } from '../../../../src-shared/tasks/task-metrics'
import { accumulateEvaluation, evaluateImages } from '../../evaluation/coco-eval'
import { COCO_AREA_RANGES, defaultCocoEvalParams } from '../../evaluation/coco-eval-params'
import { averagePrecision } from '../../evaluation/coco-summary'
import { maskIouKind } from '../../evaluation/mask-iou-kind'
import { DETECTOR_STRIDE } from '../detection/model'
import {
  detectionPass,
  trainExtendedDetector,
  type DetectionBox,
  type DetectionPass,
  type DetectionSet,
  type DetectorExtension,
  type ExtendedDetectorOptions,
  type TrainedDetector,
} from '../detection/train-detector'
import { moveMask } from './augment-masks'
import { maskLoss } from './mask-loss'
import { maskTargetArrays, maskTargetTensors, type MaskObject } from './mask-targets'
import { buildSegmenter, PROTOTYPE_STRIDE } from './model'

/**
 * Weight of the mask loss beside the detection loss. 1: each object's BCE is already a mean over
 * its box's cells (≈ 0.69 untrained), the same order as the focal loss per object.
 */
export const MASK_LOSS_WEIGHT = 1

/** A detection box with its object's mask on the S×S input (row-major); crowd regions need none. */
export interface SegmentationBox extends DetectionBox {
  mask?: Uint8Array
}

export interface SegmentationSet extends DetectionSet {
  boxes: SegmentationBox[][]
}

export interface TrainSegmenterOptions extends Omit<
  ExtendedDetectorOptions<SegmentationEpochMetrics>,
  'train' | 'val'
> {
  train: SegmentationSet
  val: SegmentationSet
}

export type TrainedSegmenter = TrainedDetector<SegmentationEpochMetrics>

/** A decoded box of one image with its assembled mask. */
export interface MaskedBox extends DecodedBox {
  mask: Rle
}

export interface SegmentationPass {
  detection: DetectionPass
  /** Mean mask loss over the images. */
  maskLoss: number
  /** Per image: its decoded boxes (EVALUATION_DECODE) with their masks in `frameOf`'s pixels. */
  masked: MaskedBox[][]
}

/** The objects the mask loss sees: real objects with a mask, moved as their image was. */
function maskObjects(
  boxes: readonly (readonly SegmentationBox[])[],
  size: number,
  variations: readonly (Parameters<typeof moveMask>[2] | undefined)[],
): MaskObject[][] {
  return boxes.map((list, n) =>
    list.flatMap((box) =>
      box.iscrowd === 0 && box.mask
        ? [{ bbox: box.bbox, mask: moveMask(box.mask, size, variations[n]) }]
        : [],
    ),
  )
}

function maskTargetsFor(objects: MaskObject[][], size: number) {
  return maskTargetTensors(
    maskTargetArrays(objects, {
      inputSize: size,
      headStride: DETECTOR_STRIDE,
      protoStride: PROTOTYPE_STRIDE,
    }),
  )
}

function weightedMaskLoss(
  outputs: readonly tf.Tensor[],
  targets: ReturnType<typeof maskTargetsFor>,
) {
  return tf.tidy(() =>
    maskLoss(outputs[3] as tf.Tensor4D, outputs[4] as tf.Tensor4D, targets).mul(MASK_LOSS_WEIGHT),
  ) as tf.Scalar
}

function disposeMaskTargets(targets: ReturnType<typeof maskTargetsFor>): void {
  tf.dispose([targets.selection, targets.target, targets.crop, targets.weight])
}

/** Per image of a batch, its prototype outputs as instanceMask reads them. */
export function prototypeMapsOf(outputs: readonly tf.Tensor[]): PrototypeMaps[] {
  const coefficients = outputs[3] as tf.Tensor4D
  const prototypes = outputs[4] as tf.Tensor4D
  const [n, headRows, headCols, count] = coefficients.shape
  const [, rows, cols] = prototypes.shape
  const input = (headCols as number) * DETECTOR_STRIDE
  const coeffs = coefficients.dataSync() as Float32Array
  const protos = prototypes.dataSync() as Float32Array
  const headLength = headRows * headCols * count
  const protoLength = rows * cols * count
  return Array.from({ length: n }, (_, i) => ({
    stride: input / cols,
    rows,
    cols,
    count,
    headCols,
    prototypes: protos.subarray(i * protoLength, (i + 1) * protoLength),
    coefficients: coeffs.subarray(i * headLength, (i + 1) * headLength),
  }))
}

/**
 * The model over a set: the detection pass, the mask loss, and every decoded box's mask, assembled
 * in the pixels `frameOf` gives for each row (default: the input grid).
 */
export function segmentationPass(
  model: tf.LayersModel,
  set: SegmentationSet,
  batchSize: number,
  numClasses: number,
  frameOf?: (row: number) => { width: number; height: number },
): SegmentationPass {
  const size = set.images.rowShape[0] as number
  const input = { width: size, height: size }
  const masked: MaskedBox[][] = []
  let loss = 0
  const detection = detectionPass(
    model,
    set,
    batchSize,
    numClasses,
    (outputs, indices, decoded) => {
      const targets = maskTargetsFor(
        maskObjects(
          indices.map((i) => set.boxes[i] ?? []),
          size,
          [],
        ),
        size,
      )
      try {
        const part = weightedMaskLoss(outputs, targets)
        loss += (part.dataSync()[0] ?? NaN) * indices.length
        part.dispose()
      } finally {
        disposeMaskTargets(targets)
      }
      prototypeMapsOf(outputs).forEach((maps, n) => {
        const frame = frameOf?.(indices[n] as number) ?? input
        masked.push(
          (decoded[n] ?? []).map((box) => ({
            ...box,
            mask: instanceMask(box, maps, input, frame),
          })),
        )
      })
    },
  )
  return { detection, maskLoss: loss / Math.max(1, set.images.count), masked }
}

/** Mask AP@.5 (all areas, 100 detections) on the input grid; 0 when no class has an object. */
export function validationMaskMap50(
  masked: readonly (readonly MaskedBox[])[],
  truth: readonly (readonly SegmentationBox[])[],
  numClasses: number,
  size: number,
): number {
  let id = 1
  const groundTruths = truth.flatMap((boxes, imageId) =>
    boxes.flatMap((box) => {
      if (!box.mask) return []
      const segmentation = rleEncodeRowMajor(box.mask, size, size)
      return [
        {
          id: id++,
          image_id: imageId,
          category_id: box.classIndex + 1,
          area: rleArea(segmentation),
          iscrowd: box.iscrowd,
          segmentation,
        },
      ]
    }),
  )
  const detections = masked.flatMap((boxes, imageId) =>
    boxes.map((box) => ({
      image_id: imageId,
      category_id: box.classIndex + 1,
      score: box.score,
      segmentation: box.mask,
    })),
  )
  const evaluation = evaluateImages({
    imageIds: truth.map((_, i) => i),
    categoryIds: Array.from({ length: numClasses }, (_, k) => k + 1),
    groundTruths,
    detections,
    kind: maskIouKind,
    params: {
      ...defaultCocoEvalParams(),
      iouThresholds: [0.5],
      areaRanges: COCO_AREA_RANGES.filter((range) => range.label === 'all'),
    },
  })
  const ap = averagePrecision(accumulateEvaluation(evaluation), {
    iouThreshold: 0.5,
    area: 'all',
    maxDets: 100,
  })
  return ap < 0 ? 0 : ap
}

/** A checkpoint's epoch as a segmenter's, or undefined for another task's. */
function segmentationEpoch(epoch: EpochMetrics): SegmentationEpochMetrics | undefined {
  return isSegmentationEpoch(epoch) ? epoch : undefined
}

function segmentationExtension(
  numClasses: number,
  train: SegmentationSet,
): DetectorExtension<SegmentationEpochMetrics> {
  const size = train.images.rowShape[0] as number
  return {
    build: buildSegmenter,
    metricName: 'mask mAP@.5',
    readEpoch: segmentationEpoch,
    epochMetrics: (m, extra) => ({
      task: 'instance_segmentation',
      epoch: m.epoch,
      epochs: m.epochs,
      loss: m.loss + extra.loss,
      heatmapLoss: m.heatmapLoss,
      boxLoss: m.boxLoss,
      maskLoss: extra.loss,
      valLoss: m.valLoss + extra.valLoss,
      valMaskMap50: extra.metric,
      imagesPerSec: m.imagesPerSec,
      elapsedMs: m.elapsedMs,
    }),
    batchLoss(_indices, boxes, variations) {
      const targets = maskTargetsFor(
        maskObjects(boxes as readonly (readonly SegmentationBox[])[], size, variations),
        size,
      )
      return {
        loss: (outputs) => weightedMaskLoss(outputs, targets),
        dispose: () => disposeMaskTargets(targets),
      }
    },
    validate(model, set, batchSize) {
      const pass = segmentationPass(model, set as SegmentationSet, batchSize, numClasses)
      const metric = validationMaskMap50(
        pass.masked,
        (set as SegmentationSet).boxes,
        numClasses,
        size,
      )
      return { pass: pass.detection, extraLoss: pass.maskLoss, metric }
    },
  }
}

export function trainSegmenter(opts: TrainSegmenterOptions): Promise<TrainedSegmenter> {
  return trainExtendedDetector(opts, segmentationExtension(opts.numClasses, opts.train))
}
