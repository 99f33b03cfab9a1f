import { expect, it } from 'vitest'
import { datasetTrainDefaults } from '../../src-main/engine/tasks/classification/defaults'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'

it('keeps the small-dataset defaults and takes the image size from the images', () => {
  expect(datasetTrainDefaults({ images: 160, medianSide: 200 })).toEqual({
    imageSize: 64,
    batchSize: DEFAULT_TRAIN_PARAMS.batchSize,
    epochs: DEFAULT_TRAIN_PARAMS.epochs,
    augment: DEFAULT_TRAIN_PARAMS.augment,
  })
  expect(datasetTrainDefaults({ images: 160, medianSide: 28 }).imageSize).toBe(28)
  expect(datasetTrainDefaults({ images: 160, medianSide: 9 }).imageSize).toBe(16)
})

it('uses larger batches and fewer epochs as the dataset grows', () => {
  const medium = datasetTrainDefaults({ images: 10_000, medianSide: 100 })
  const large = datasetTrainDefaults({ images: 60_000, medianSide: 28 })
  expect(medium.batchSize).toBe(32)
  expect(large.batchSize).toBe(64)
  expect(large.epochs).toBeLessThan(medium.epochs)
  expect(large.epochs).toBeGreaterThanOrEqual(4)
  expect(large.augment).toBe(false)
  expect(datasetTrainDefaults({ images: 5_000_000, medianSide: 28 }).epochs).toBe(4)
})

it('keeps augmentation on below 20,000 images, with the epochs it needs to pay off', () => {
  const tenth = datasetTrainDefaults({ images: 6_000, medianSide: 28 })
  expect(tenth.augment).toBe(true)
  expect(tenth.epochs).toBe(20)
  expect(datasetTrainDefaults({ images: 19_999, medianSide: 28 }).augment).toBe(true)
  // Without augmentation the cap stays 12: the full set's recipe does not change.
  expect(datasetTrainDefaults({ images: 20_000, medianSide: 28 }).augment).toBe(false)
  expect(datasetTrainDefaults({ images: 20_000, medianSide: 28 }).epochs).toBeLessThanOrEqual(12)
})
