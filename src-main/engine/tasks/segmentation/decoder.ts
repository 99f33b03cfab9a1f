// Reads a segmenter's five raw outputs for one posted image into COCO results with masks: the
// detector's decoding of its first three (PREDICTION_DECODE, boxes in the posted image's pixels),
// then each box's mask assembled from its cell's coefficients and the prototypes, in the posted
// image's own pixels, as compressed RLE.

import type * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../../src-shared/errors'
import { rleToCompressed } from '../../../../src-shared/coco-mask/rle-string'
import type { SegmentationPrediction } from '../../../../src-shared/predictions'
import {
  PREDICTION_DECODE,
  decodeDetections,
  toImagePixels,
} from '../../../../src-shared/tasks/detection-output'
import {
  SEGMENTATION_OUTPUT_NAMES,
  instanceMask,
  type PrototypeMaps,
} from '../../../../src-shared/tasks/segmentation-output'
import type { ClassInfo } from '../../../../src-shared/validate-annotations'
import { detectionMaps } from '../detection/decoder'
import type { ModelOutputs, PredictionDecoder } from '../prediction-decoder'

function unreadable(message: string): AppFailure {
  return new AppFailure(appError('MODEL_UNREADABLE', message))
}

/** The two mask outputs as instanceMask reads them, after checking their grids and channels. */
function prototypeMaps(outputs: ModelOutputs, headRows: number, headCols: number): PrototypeMaps {
  const [coefficients, prototypes] = outputs.tensors.slice(3) as [tf.Tensor, tf.Tensor]
  const [, rows, cols, count] = prototypes.shape
  const fits =
    coefficients.rank === 4 &&
    prototypes.rank === 4 &&
    coefficients.shape[0] === 1 &&
    prototypes.shape[0] === 1 &&
    coefficients.shape[1] === headRows &&
    coefficients.shape[2] === headCols &&
    coefficients.shape[3] === count
  if (!fits) throw unreadable('the mask outputs of the segmentation model do not fit its heatmap')
  const stride = outputs.input.width / (cols as number)
  if (!Number.isInteger(stride) || outputs.input.height / (rows as number) !== stride)
    throw unreadable('the prototype grid does not divide the model input evenly')
  return {
    stride,
    rows: rows as number,
    cols: cols as number,
    count: count as number,
    headCols,
    prototypes: prototypes.dataSync(),
    coefficients: coefficients.dataSync(),
  }
}

function decode(
  outputs: ModelOutputs,
  classes: readonly ClassInfo[],
  top: number,
): SegmentationPrediction[] {
  if (outputs.tensors.length !== SEGMENTATION_OUTPUT_NAMES.length)
    throw unreadable(
      `a segmentation model has ${SEGMENTATION_OUTPUT_NAMES.length} outputs (${SEGMENTATION_OUTPUT_NAMES.join(', ')}); this model has ${outputs.tensors.length}`,
    )
  const maps = detectionMaps({ ...outputs, tensors: outputs.tensors.slice(0, 3) }, classes.length)
  const protos = prototypeMaps(outputs, maps.rows, maps.cols)
  const byIndex = new Map(classes.map((info) => [info.index, info]))
  const boxes = decodeDetections(maps, { ...PREDICTION_DECODE, maxDetections: top })
  return boxes.map((box) => {
    const info = byIndex.get(box.classIndex)
    if (info === undefined) throw unreadable(`labels.json names no class ${box.classIndex}`)
    const mask = rleToCompressed(instanceMask(box, protos, outputs.input, outputs.image))
    return {
      category_id: info.categoryId,
      category: info.name,
      bbox: toImagePixels(box.bbox, outputs.input, outputs.image),
      score: box.score,
      segmentation: { size: mask.size, counts: mask.counts },
    }
  })
}

export const segmentationDecoder: PredictionDecoder = {
  defaultTop: PREDICTION_DECODE.maxDetections,
  decode,
}
