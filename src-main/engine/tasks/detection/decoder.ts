// Reads a detector's three raw outputs for one posted image into COCO results: the shared decoding
// (heatmap peaks, per-class NMS, PREDICTION_DECODE's threshold), boxes scaled from the model input
// to the image's own pixels, classes named by the dataset's categories (labels.json).

import type * as tf from '@tensorflow/tfjs'
import { AppFailure, appError } from '../../../../src-shared/errors'
import type { DetectionPrediction } from '../../../../src-shared/predictions'
import {
  DETECTION_OUTPUT_NAMES,
  PREDICTION_DECODE,
  decodeDetections,
  toImagePixels,
  type DetectionMaps,
} from '../../../../src-shared/tasks/detection-output'
import type { ClassInfo } from '../../../../src-shared/validate-annotations'
import type { ModelOutputs, PredictionDecoder } from '../prediction-decoder'

function unreadable(message: string): AppFailure {
  return new AppFailure(appError('MODEL_UNREADABLE', message))
}

/** The outputs as maps, after checking they are the detector's: same grid, the right channels. */
export function detectionMaps(outputs: ModelOutputs, numClasses: number): DetectionMaps {
  const { tensors, input } = outputs
  if (tensors.length !== DETECTION_OUTPUT_NAMES.length)
    throw unreadable(
      `a detector has ${DETECTION_OUTPUT_NAMES.length} outputs (${DETECTION_OUTPUT_NAMES.join(', ')}); this model has ${tensors.length}`,
    )
  const [heatmap, size, offset] = tensors as [tf.Tensor, tf.Tensor, tf.Tensor]
  const [batch, rows, cols, classes] = heatmap.shape
  const grid = (t: tf.Tensor, channels: number) =>
    t.rank === 4 &&
    t.shape[0] === 1 &&
    t.shape[1] === rows &&
    t.shape[2] === cols &&
    t.shape[3] === channels
  if (heatmap.rank !== 4 || batch !== 1 || !grid(size, 2) || !grid(offset, 2))
    throw unreadable('the outputs of the detection model are not three maps on one grid')
  if (classes !== numClasses)
    throw unreadable(
      `the model's heatmap has ${String(classes)} classes but labels.json names ${numClasses}`,
    )
  const stride = input.width / (cols as number)
  if (!Number.isInteger(stride) || input.height / (rows as number) !== stride)
    throw unreadable('the output grid does not divide the model input evenly')
  return {
    rows: rows as number,
    cols: cols as number,
    classes,
    stride,
    heatmap: heatmap.dataSync(),
    size: size.dataSync(),
    offset: offset.dataSync(),
  }
}

function decode(
  outputs: ModelOutputs,
  classes: readonly ClassInfo[],
  top: number,
): DetectionPrediction[] {
  const maps = detectionMaps(outputs, classes.length)
  const byIndex = new Map(classes.map((info) => [info.index, info]))
  // `top` caps the boxes kept after NMS, so a lower one never lets a suppressed box back in.
  const boxes = decodeDetections(maps, { ...PREDICTION_DECODE, maxDetections: top })
  return boxes.map((box) => {
    const info = byIndex.get(box.classIndex)
    if (info === undefined) throw unreadable(`labels.json names no class ${box.classIndex}`)
    return {
      category_id: info.categoryId,
      category: info.name,
      bbox: toImagePixels(box.bbox, outputs.input, outputs.image),
      score: box.score,
    }
  })
}

export const detectionDecoder: PredictionDecoder = {
  defaultTop: PREDICTION_DECODE.maxDetections,
  decode,
}
