// The segmenter's recipe and the training parameters that follow from a segmentation dataset. It
// trains the detector's network plus two heads, so it keeps the detector's batch, rate schedule
// and patience; what differs is the input side: a mask needs a few prototype cells across its
// object, not a few heatmap cells, and the input side is what a step's cost grows with.

import {
  DETECTION_RECIPE,
  recipeDefaults,
  ruledInputSide,
  type DetectionDatasetFacts,
  type RecipeDefaults,
} from '../detection/defaults'
import { PROTOTYPE_STRIDE } from './model'

/** Input sides tried, smallest first: each a multiple of the network's total stride (16). */
export const SEGMENTATION_INPUT_SIDES = [64, 96, 128, 160, 192, 256, 320] as const
/** The median object should span at least this many input pixels: five prototype cells. */
export const MIN_MASK_OBJECT_PX = 5 * PROTOTYPE_STRIDE

/**
 * The detector's batch (8), Adam at 3e-3 on a cosine to 2% and patience (8), over 24 epochs.
 * Measured through the app on the demo segmentation dataset (client3: 200 images of 128 px, 4
 * classes; 160 train, 40 validation) at 96 px (the side rule below), `npm run serve` then
 * `curl -N '…/progress?train_type=instance_segmentation&bucket_name=client3'`, 2 cores at load
 * average about 2: 24 planned epochs stopped early after epoch 23 (best 15), validation mask
 * mAP@.5 0.895 in the images' own pixels, 156 s end to end (154 s training, about 25 images/s).
 * 12 epochs in the same window: 0.816 in 86 s, too close to the 0.8 the demo must clear; the
 * mask mAP on the input grid was still rising (0.82 → 0.88 between epochs 12 and 15). Where a
 * step's time goes (training FLOPs per image): the detector 775 M at 128 px, its two mask heads
 * (3×3 convs of 64 filters on the stride-4 map) 239 M more, the mask loss' two matrix products
 * and the targets well under 1%; so the input side is the lever: 570 M per image at 96 px
 * instead of 1,014 M at 128.
 */
export const SEGMENTATION_RECIPE = {
  batchSize: DETECTION_RECIPE.batchSize,
  learningRate: DETECTION_RECIPE.learningRate,
  epochs: 24,
  patience: DETECTION_RECIPE.patience,
  augment: DETECTION_RECIPE.augment,
}

/** The smallest listed side at which the median object keeps MIN_MASK_OBJECT_PX, never above the images' own size. */
export function segmentationInputSide(facts: DetectionDatasetFacts): number {
  return ruledInputSide(facts, {
    sides: SEGMENTATION_INPUT_SIDES,
    minObjectPx: MIN_MASK_OBJECT_PX,
    fallback: 128,
  })
}

export function segmentationTrainDefaults(facts: DetectionDatasetFacts): RecipeDefaults {
  return recipeDefaults(SEGMENTATION_RECIPE, facts, segmentationInputSide(facts))
}
