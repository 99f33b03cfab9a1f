// The detector's recipe and the training parameters that follow from a detection dataset: the
// input side from how large the images and their objects are (an object must keep enough pixels
// at stride 4 to own a few heatmap cells), batch, epochs, learning rate and patience.

import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../../../src-shared/train-params'
import type { DatasetFacts } from '../../../dataset/load-dataset'

/** Input sides tried, smallest first: each a multiple of the network's total stride (16). */
export const DETECTION_INPUT_SIDES = [128, 160, 192, 256, 320] as const
/** The median object should span at least this many input pixels (three heatmap cells). */
export const MIN_OBJECT_PX = 12
const MIN_INPUT_SIDE = 32
const LARGEST_SIDE = 320

/**
 * The recipe, measured on the demo detection dataset (240 images, 4 classes, 128 px; 192 train, 48
 * validation) with `scripts/measure-detection-demo.ts`: Adam at 2e-3 in batches of 16 with
 * augmentation reaches validation mAP@.5 0.90 at epoch 18 and 0.999 by epoch 26 (mAP@[.5:.95]
 * 0.58); early stopping after 8 epochs without a better validation mAP@.5 rides out its noise on
 * a small split.
 */
export const DETECTION_RECIPE = {
  batchSize: 8,
  learningRate: 3e-3,
  epochs: 20,
  patience: 8,
  augment: true,
} as const

/** Detection facts: DatasetFacts plus the median shorter side of the objects (image pixels). */
export interface DetectionDatasetFacts extends DatasetFacts {
  medianObjectSide?: number
}

/** The smallest listed side at which the median object keeps MIN_OBJECT_PX, never above the images' own size. */
export function detectionInputSide(facts: DetectionDatasetFacts): number {
  const imageSide = facts.medianSide
  const smallest: number = DETECTION_INPUT_SIDES[0]
  if (!(imageSide > 0)) return smallest
  // Enlarging past the images' own pixels adds cost and no detail.
  const cap = Math.max(MIN_INPUT_SIDE, Math.floor(imageSide / 16) * 16)
  const object = facts.medianObjectSide ?? 0
  const wanted =
    object > 0
      ? (DETECTION_INPUT_SIDES.find((side) => (object * side) / imageSide >= MIN_OBJECT_PX) ??
        LARGEST_SIDE)
      : smallest
  return Math.min(wanted, cap)
}

export function detectionTrainDefaults(
  facts: DetectionDatasetFacts,
): Pick<
  TrainParams,
  'imageSize' | 'batchSize' | 'epochs' | 'augment' | 'learningRate' | 'patience'
> {
  // Thousands of images give many steps per epoch: fewer epochs reach the same point.
  const epochs =
    facts.images > 2_000
      ? Math.max(8, Math.round((DETECTION_RECIPE.epochs * 2_000) / facts.images))
      : DETECTION_RECIPE.epochs
  return {
    imageSize: detectionInputSide(facts),
    batchSize: DETECTION_RECIPE.batchSize,
    epochs,
    augment: DETECTION_RECIPE.augment,
    learningRate: DETECTION_RECIPE.learningRate,
    patience: DETECTION_RECIPE.patience,
  }
}

/** Full parameters for a detection run: the dataset's defaults over the shared ones. */
export function detectionTrainParams(facts: DetectionDatasetFacts): TrainParams {
  return { ...DEFAULT_TRAIN_PARAMS, ...detectionTrainDefaults(facts) }
}
