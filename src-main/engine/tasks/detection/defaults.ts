// The detector's recipe and the training parameters that follow from a detection dataset: the
// input side from how large the images and their objects are (an object must keep enough pixels
// at stride 4 to own a few heatmap cells), batch, epochs, learning rate and patience.

import { DEFAULT_DETECTION_PARAMS } from '../../../../src-shared/tasks/detection-params'
import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../../../src-shared/train-params'
import type { DatasetFacts } from '../../../dataset/load-dataset'

/** Input sides tried, smallest first: each a multiple of the network's total stride (16). */
export const DETECTION_INPUT_SIDES = [128, 160, 192, 256, 320] as const
/** The median object should span at least this many input pixels (three heatmap cells). */
export const MIN_OBJECT_PX = 12
const MIN_INPUT_SIDE = 32
const LARGEST_SIDE = 320

/**
 * The recipe, measured on the demo detection dataset (240 images, 4 classes, 96 px; 192 train, 48
 * validation) with `scripts/measure-detection-demo.ts`: Adam at 3e-3 on a cosine to 2% over the
 * planned steps, batches of 8, 20 epochs, augmentation: validation mAP@.5 0.93 (best epoch 18;
 * mAP@[.5:.95] 0.51) in 148 s end to end at 26.6 training images/s (2 cores, load average 0.5–1.7;
 * 595 s at load 7–10, the same mAP: the run is seeded). At 2e-3 the same run ended at 0.89 — still
 * climbing, so the rate, not the epochs, was short. Batches of 8 give 24 steps an epoch instead of
 * 12: the old recipe (batch 16, 2e-3 constant, 30 epochs, 128 px, separate heads) needed 18 epochs
 * for 0.90; with batch 16 and the cosine over 20 epochs the narrower network was at 0.50 by epoch
 * 12. Early stopping after 8 epochs without a better validation mAP@.5 rides out its noise on a
 * small split.
 */
export const DETECTION_RECIPE = {
  batchSize: DEFAULT_DETECTION_PARAMS.batchSize,
  learningRate: DEFAULT_DETECTION_PARAMS.learningRate,
  epochs: DEFAULT_DETECTION_PARAMS.epochs,
  patience: DEFAULT_DETECTION_PARAMS.patience ?? 8,
  augment: DEFAULT_DETECTION_PARAMS.augment ?? true,
}

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
