// A detection run through the training worker thread, end to end on a few generated demo images:
// the model files, labels.json saying how to decode the outputs, and metrics.json with COCOeval's
// report and the reviewed images in their own pixels. Also the defaults a detection dataset gets.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import h5wasm from 'h5wasm/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_TRAIN_PARAMS } from '../../../src-shared/train-params'
import type { ClassInfo, ClassificationItem } from '../../../src-shared/validate-annotations'
import { writeDemoDetectionDataset } from '../../../src-main/dataset/demo-detection-dataset'
import { runTrainingWorker } from '../../../src-main/jobs/run-training-worker'
import {
  detectionInputSide,
  detectionTrainDefaults,
} from '../../../src-main/engine/tasks/detection/defaults'
import type {
  DetectionLabelsFile,
  DetectionMetricsFile,
} from '../../../src-main/engine/worker/detection-training'
import { splitShuffled } from '../../../src-main/engine/worker/object-run'
import type { TrainingMessage } from '../../../src-main/engine/worker/training-protocol'

let root: string
let classes: ClassInfo[]
let items: ClassificationItem[]

interface DemoAnnotations {
  images: { id: number; file_name: string; width: number; height: number }[]
  annotations: { image_id: number; category_id: number; bbox: number[]; area: number }[]
  categories: { id: number; name: string }[]
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'detection-worker-'))
  // 96 px images decoded to 64 px: boxes must be scaled from the images' own pixels.
  await writeDemoDetectionDataset(root, { images: 12, size: 96, seed: 4 })
  const doc = JSON.parse(
    readFileSync(join(root, 'coco', 'annotations.json'), 'utf8'),
  ) as DemoAnnotations
  classes = doc.categories.map((c, index) => ({ index, categoryId: c.id, name: c.name }))
  items = doc.images.map((image) => {
    const boxes = doc.annotations
      .filter((a) => a.image_id === image.id)
      .map((a) => ({
        categoryId: a.category_id,
        bbox: a.bbox as [number, number, number, number],
        area: a.area,
        iscrowd: 0 as const,
      }))
    return {
      imageId: image.id,
      fileName: image.file_name,
      label: boxes.length > 0 ? Math.min(...boxes.map((b) => b.categoryId)) - 1 : -1,
      boxes,
      // Half the items carry their frame; the worker reads the others' from the files.
      ...(image.id % 2 === 0 && { width: image.width, height: image.height }),
    }
  })
})

afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('the detection run in the training worker', () => {
  it('trains, evaluates and writes the model files, labels.json and metrics.json', async () => {
    const messages: TrainingMessage[] = []
    const out = join(root, 'out')
    const result = await runTrainingWorker(
      {
        task: 'obj_detection',
        datasetRoot: root,
        classes,
        items,
        params: { ...DEFAULT_TRAIN_PARAMS, imageSize: 64, epochs: 1, batchSize: 4, valSplit: 0.25 },
        outDir: out,
        cacheDir: join(root, 'cache'),
        threads: 1,
      },
      { onMessage: (m) => messages.push(m) },
    )
    expect(result.files).toEqual(
      expect.arrayContaining(['model.json', 'weights.bin', 'labels.json', 'metrics.json']),
    )
    for (const file of result.files) expect(existsSync(join(out, file))).toBe(true)
    // The classifier's loss name in model.h5 would not fit the detector's outputs: none is kept.
    await h5wasm.ready
    const h5 = new h5wasm.File(join(out, 'model.h5'), 'r')
    try {
      const training = JSON.parse(String(h5.attrs.training_config?.value)) as { loss: unknown }
      expect(training.loss).toBeNull()
    } finally {
      h5.close()
    }
    const epoch = messages.find((m) => m.type === 'epoch')
    expect(epoch?.type === 'epoch' && epoch.metrics).toMatchObject({ task: 'obj_detection' })

    const labels = JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8')) as DetectionLabelsFile
    expect(labels).toMatchObject({ task: 'obj_detection', inputSize: [64, 64, 3], classes })
    expect(labels.detection.stride).toBe(4)
    expect(labels.detection.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['heatmap', [16, 16, 4]],
      ['box_size', [16, 16, 2]],
      ['center_offset', [16, 16, 2]],
    ])

    const metrics = JSON.parse(
      readFileSync(join(out, 'metrics.json'), 'utf8'),
    ) as DetectionMetricsFile
    expect(metrics).toMatchObject({
      task: 'obj_detection',
      trainImages: 9,
      valImages: 3,
      classes: classes.map((c) => c.name),
      bestEpoch: 1,
      threads: 1,
      skippedImages: [],
    })
    expect(metrics.params.imageSize).toBe(64)
    expect(Object.keys(metrics.coco.stats)).toHaveLength(12)
    expect(metrics.coco.perClass.map((c) => c.categoryId)).toEqual(classes.map((c) => c.categoryId))
    // Reviewed images keep their own size, and their true boxes are the annotations' own.
    for (const review of metrics.worstImages) {
      expect([review.width, review.height]).toEqual([96, 96])
      const item = items.find((i) => i.fileName === review.file)
      expect(review.groundTruth.map((b) => b.bbox)).toEqual(item?.boxes?.map((b) => b.bbox))
    }
  }, 300_000)
})

describe('detection defaults', () => {
  it('picks the smallest input side at which the median object keeps 12 px', () => {
    expect(detectionInputSide({ images: 240, medianSide: 128, medianObjectSide: 34 })).toBe(128)
    // 640 px photos with 40 px objects: 12 px needs 192 px.
    expect(detectionInputSide({ images: 100, medianSide: 640, medianObjectSide: 40 })).toBe(192)
    // Never above the images' own size.
    expect(detectionInputSide({ images: 100, medianSide: 100, medianObjectSide: 4 })).toBe(96)
    expect(detectionInputSide({ images: 100, medianSide: 0 })).toBe(128)
    expect(detectionTrainDefaults({ images: 240, medianSide: 128 })).toMatchObject({
      imageSize: 128,
      augment: true,
    })
  })

  it('splits by a seeded shuffle, at least one image each side', () => {
    const a = splitShuffled(10, 0.2, 7)
    expect(a.val).toHaveLength(2)
    expect([...a.train, ...a.val].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(splitShuffled(10, 0.2, 7)).toEqual(a)
    expect(splitShuffled(2, 0.01, 1).val).toHaveLength(1)
  })
})
