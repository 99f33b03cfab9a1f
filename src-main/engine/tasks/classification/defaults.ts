// Training parameters that follow from the dataset itself, for whatever the caller left unset:
// the input size from the images' typical size, and batch size and epochs from how many there
// are. Small datasets keep the defaults they were tuned on.

import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../../../../src-shared/train-params'
import type { DatasetFacts } from '../../../dataset/load-dataset'

export type { DatasetFacts } from '../../../dataset/load-dataset'

/** Inputs never grow past this by default: larger costs time quadratically for little gain here. */
export const MAX_DEFAULT_IMAGE_SIZE = 64
const MIN_IMAGE_SIZE = 16
/** Up to this many images, the small-dataset defaults apply unchanged. */
const SMALL_DATASET = 2_000
/**
 * Optimiser steps a large dataset gets in all, spread over its epochs. For the 60,000 Fashion-MNIST
 * training images that is 8 epochs of batch 64: 0.918 test accuracy after 444 s of training on
 * two cores (bench/fashion-mnist.bench.ts --recipe default).
 */
const LARGE_DATASET_STEPS = 7_500
const MAX_LARGE_EPOCHS = 12
/**
 * Below AUGMENTED_BELOW images augmentation stays on, with up to MAX_AUGMENTED_EPOCHS for it to pay
 * off. Fashion-MNIST's first 6,000 training images (bench/fashion-mnist.bench.ts --recipe default
 * --train-images 6000 --peer-epochs 10, one run, both sides tested on the 10,000 test images):
 * 0.8713 test accuracy (20 epochs, 4,800 trained on, 1,200 for validation) against 0.8425 for the
 * PyTorch reference network's fixed recipe (10 epochs on all 6,000); without augmentation (its
 * 12-epoch cap, stopped early at 9 by validation loss) 0.8476, and with it at 12 epochs 0.8632.
 */
const MAX_AUGMENTED_EPOCHS = 20
const AUGMENTED_BELOW = 20_000
const MIN_LARGE_EPOCHS = 4

export function datasetTrainDefaults(
  facts: DatasetFacts,
): Pick<TrainParams, 'imageSize' | 'batchSize' | 'epochs' | 'augment'> {
  // Without known dimensions the tuned default stands.
  const imageSize =
    facts.medianSide > 0
      ? Math.min(MAX_DEFAULT_IMAGE_SIZE, Math.max(MIN_IMAGE_SIZE, Math.round(facts.medianSide)))
      : DEFAULT_TRAIN_PARAMS.imageSize
  if (facts.images <= SMALL_DATASET)
    return {
      imageSize,
      batchSize: DEFAULT_TRAIN_PARAMS.batchSize,
      epochs: DEFAULT_TRAIN_PARAMS.epochs,
      augment: DEFAULT_TRAIN_PARAMS.augment,
    }
  // Larger batches use the cores better; the step budget keeps the run time in bounds.
  const batchSize = facts.images < 20_000 ? 32 : 64
  const stepsPerEpoch = Math.ceil(facts.images / batchSize)
  const augment = facts.images < AUGMENTED_BELOW
  const epochs = Math.min(
    augment ? MAX_AUGMENTED_EPOCHS : MAX_LARGE_EPOCHS,
    Math.max(MIN_LARGE_EPOCHS, Math.round(LARGE_DATASET_STEPS / stepsPerEpoch)),
  )
  // Tens of thousands of images bring their own variety; within a few epochs augmentation only
  // slows learning (Fashion-MNIST, 6 epochs: 0.9015 test accuracy with it, see the benchmark).
  return { imageSize, batchSize, epochs, augment }
}
