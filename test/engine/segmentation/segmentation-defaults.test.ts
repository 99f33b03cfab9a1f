import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeDemoSegmentationDataset } from '../../../src-main/dataset/demo-segmentation-dataset'
import { loadDataset } from '../../../src-main/dataset/load-dataset'
import { taskModule } from '../../../src-main/engine/tasks/registry'
import {
  MIN_MASK_OBJECT_PX,
  SEGMENTATION_RECIPE,
  segmentationInputSide,
  segmentationTrainDefaults,
} from '../../../src-main/engine/tasks/segmentation/defaults'

let root = ''
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'segmentation-defaults-test-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('segmentation defaults', () => {
  it('train the demo client3 at 96 px, where its median object keeps five prototype cells', async () => {
    await writeDemoSegmentationDataset(root, { images: 60 })
    const { facts } = await loadDataset(root, { trainType: 'instance_segmentation' })
    expect(facts?.medianSide).toBe(128)
    const chosen = taskModule('instance_segmentation')?.defaults(facts!)
    expect(chosen).toMatchObject({
      imageSize: 96,
      batchSize: SEGMENTATION_RECIPE.batchSize,
      epochs: SEGMENTATION_RECIPE.epochs,
      learningRate: SEGMENTATION_RECIPE.learningRate,
    })
  })

  it('take the smallest side that keeps the median object at MIN_MASK_OBJECT_PX, never above the images', () => {
    const side = (medianObjectSide: number, medianSide = 512) =>
      segmentationInputSide({ images: 100, medianSide, medianObjectSide })
    expect(side(MIN_MASK_OBJECT_PX * 8)).toBe(64)
    expect(side(MIN_MASK_OBJECT_PX * 8 - 1)).toBe(96)
    expect(side(4)).toBe(320)
    expect(side(40, 80)).toBe(64)
    expect(side(10, 80)).toBe(80)
    expect(segmentationInputSide({ images: 10, medianSide: 0 })).toBe(128)
  })

  it('scale the epochs down for thousands of images, as detection does', () => {
    expect(segmentationTrainDefaults({ images: 8_000, medianSide: 128 }).epochs).toBe(
      Math.max(8, Math.round((SEGMENTATION_RECIPE.epochs * 2_000) / 8_000)),
    )
  })
})
