// labels.json of a detector: the fields every model's labels.json has, plus what turns its three
// raw outputs into boxes (stride, each output's shape and meaning, the decode options the predict
// route uses), so a reader outside this project decodes exactly as the server does.

import {
  DETECTION_OUTPUT_NAMES,
  PREDICTION_DECODE,
  type DetectionDecodeOptions,
  type DetectionLabelsSpec,
  type DetectionOutputName,
} from '../../../../src-shared/tasks/detection-output'
import type { ClassInfo } from '../../../../src-shared/validate-annotations'
import { RESIZE_MODE } from '../../../dataset/decode-image'
import type { LabelsFile } from '../../worker/training-protocol'

const MEANINGS: Record<DetectionOutputName, string> = {
  heatmap:
    'per class, the probability (sigmoid applied) that the cell holds an object centre; ' +
    'peaks (no higher value in the 3x3 window) at or above scoreThreshold are objects',
  box_size: "the object's width and height, in cells (multiply by stride for input pixels)",
  center_offset:
    "the centre's x and y within its cell, in cells: centre = (col + x, row + y) * stride",
}

export function detectionLabels(opts: {
  classes: readonly ClassInfo[]
  /** The square input's side, in pixels. */
  imageSize: number
  /** Input pixels per output cell. */
  stride: number
  decode?: DetectionDecodeOptions
}): LabelsFile & { task: 'obj_detection'; detection: DetectionLabelsSpec } {
  const { imageSize, stride } = opts
  if (!Number.isInteger(imageSize / stride))
    throw new Error(`the input size ${imageSize} is not a multiple of the stride ${stride}`)
  const cells = imageSize / stride
  const channels: Record<DetectionOutputName, number> = {
    heatmap: opts.classes.length,
    box_size: 2,
    center_offset: 2,
  }
  return {
    task: 'obj_detection',
    classes: [...opts.classes],
    inputSize: [imageSize, imageSize, 3],
    inputRange: [0, 255],
    channels: 'RGB',
    resizeMode: RESIZE_MODE,
    detection: {
      stride,
      outputs: DETECTION_OUTPUT_NAMES.map((name) => ({
        name,
        shape: [cells, cells, channels[name]],
        meaning: MEANINGS[name],
      })),
      decode: { ...(opts.decode ?? PREDICTION_DECODE) },
    },
  }
}
