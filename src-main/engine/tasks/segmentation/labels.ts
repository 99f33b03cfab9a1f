// labels.json of a segmenter: the detector's labels (how boxes are decoded) plus what turns the two
// extra outputs into each box's mask, stated so a reader outside this project assembles exactly
// the masks the server does (instanceMask in src-shared/tasks/segmentation-output.ts).

import { MASK_THRESHOLD, PROTOTYPE_COUNT } from '../../../../src-shared/tasks/segmentation-output'
import type { DetectionLabelsSpec } from '../../../../src-shared/tasks/detection-output'
import type { ClassInfo } from '../../../../src-shared/validate-annotations'
import type { LabelsFile } from '../../worker/training-protocol'
import { detectionLabels } from '../detection/labels'

export interface SegmentationLabelsSpec {
  prototypeCount: number
  /** Input pixels per prototype cell. */
  prototypeStride: number
  outputs: { name: 'mask_coefficients' | 'prototypes'; shape: number[]; meaning: string }[]
  /** A pixel is in the object when its assembled probability reaches this. */
  maskThreshold: number
  /** How one decoded box's mask is assembled, step by step. */
  assembly: string[]
}

export interface SegmentationLabelsFile extends LabelsFile {
  task: 'instance_segmentation'
  detection: DetectionLabelsSpec
  segmentation: SegmentationLabelsSpec
}

export function segmentationLabels(opts: {
  classes: readonly ClassInfo[]
  imageSize: number
  stride: number
  prototypeStride: number
}): SegmentationLabelsFile {
  const { imageSize, prototypeStride } = opts
  const detection = detectionLabels(opts)
  const cells = imageSize / opts.stride
  const protoCells = imageSize / prototypeStride
  return {
    ...detection,
    task: 'instance_segmentation',
    segmentation: {
      prototypeCount: PROTOTYPE_COUNT,
      prototypeStride,
      outputs: [
        {
          name: 'mask_coefficients',
          shape: [cells, cells, PROTOTYPE_COUNT],
          meaning:
            'per heatmap cell, the weights (tanh) of the prototypes for an object centred there',
        },
        {
          name: 'prototypes',
          shape: [protoCells, protoCells, PROTOTYPE_COUNT],
          meaning: 'the image’s prototype masks (ReLU), shared by every object',
        },
      ],
      maskThreshold: MASK_THRESHOLD,
      assembly: [
        'decode boxes from heatmap, box_size and center_offset as `detection` says; each box keeps the heatmap cell (row, col) it was read at',
        'logit at a prototype cell = sum over k of mask_coefficients[row, col, k] * prototypes[cell, k]',
        'for each pixel of the posted image inside the box (scaled from the model input), map its centre to prototype cells (x_input / prototypeStride - 0.5) and interpolate the logits bilinearly',
        'the pixel is in the mask when sigmoid(logit) >= maskThreshold; pixels outside the box are not',
        'the mask is given as COCO compressed RLE in the posted image’s pixels',
      ],
    },
  }
}
