// The instance-segmentation network: the detector itself (input, stride-4 features, its three
// heads) plus two heads on the same feature map, YOLACT's way: per-cell mask coefficients (tanh,
// so a mask is a signed blend of prototypes) and the image's prototype maps (ReLU). Outputs in
// SEGMENTATION_OUTPUT_NAMES order; stock Keras layers only, so it exports like the detector.

import * as tf from '@tensorflow/tfjs'
import { PROTOTYPE_COUNT } from '../../../../src-shared/tasks/segmentation-output'
import {
  convHead,
  detectionHeads,
  detectorFeatures,
  detectorInput,
  DETECTOR_STRIDE,
  type DetectorOptions,
} from '../detection/model'

/** Input pixels per prototype cell: the feature map's own stride, the heatmap's. */
export const PROTOTYPE_STRIDE = DETECTOR_STRIDE

export function buildSegmenter(opts: DetectorOptions): tf.LayersModel {
  const input = detectorInput(opts.imageSize)
  const feature = detectorFeatures(input, opts.seed)
  const outputs = [
    ...detectionHeads(feature, opts),
    convHead(feature, 'mask_coefficients', PROTOTYPE_COUNT, opts.seed + 40, {
      activation: 'tanh',
    }),
    convHead(feature, 'prototypes', PROTOTYPE_COUNT, opts.seed + 42, { activation: 'relu' }),
  ]
  return tf.model({ name: 'segmenter', inputs: input, outputs })
}
