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
  const epochs = Math.min(
    MAX_LARGE_EPOCHS,
    Math.max(MIN_LARGE_EPOCHS, Math.round(LARGE_DATASET_STEPS / stepsPerEpoch)),
  )
  // Tens of thousands of images bring their own variety; within a few epochs augmentation only
  // slows learning (Fashion-MNIST, 6 epochs: 0.9015 test accuracy with it, see the benchmark).
  return { imageSize, batchSize, epochs, augment: false }
}
