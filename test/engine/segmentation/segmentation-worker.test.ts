// A segmentation run through the training worker thread, end to end on a few generated demo
// images (96 px, trained at 64 px): the model files, labels.json saying how to decode boxes and
// assemble masks, and metrics.json with COCOeval on masks and boxes and the reviewed images' masks
// in their own pixels.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_TRAIN_PARAMS } from '../../../src-shared/train-params'
import {
  validateAnnotations,
  type ValidatedDataset,
} from '../../../src-shared/validate-annotations'
import { writeDemoSegmentationDataset } from '../../../src-main/dataset/demo-segmentation-dataset'
import { probeImageFiles } from '../../../src-main/dataset/probe-images'
import { runTrainingWorker } from '../../../src-main/jobs/run-training-worker'
import type { SegmentationLabelsFile } from '../../../src-main/engine/tasks/segmentation/labels'
import type { SegmentationMetricsFile } from '../../../src-main/engine/worker/segmentation-training'
import type { TrainingMessage } from '../../../src-main/engine/worker/training-protocol'

let root: string
let dataset: ValidatedDataset

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'segmentation-worker-'))
  await writeDemoSegmentationDataset(root, { images: 12, size: 96, seed: 4 })
  const files = await probeImageFiles(join(root, 'images'))
  const text = readFileSync(join(root, 'coco', 'annotations.json'), 'utf8')
  const validated = validateAnnotations(text, { trainType: 'instance_segmentation', files })
  if (!validated.dataset) throw new Error('the demo dataset did not validate')
  dataset = validated.dataset
})

afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('the segmentation run in the training worker', () => {
  it('trains, evaluates and writes the model files, labels.json and metrics.json', async () => {
    const messages: TrainingMessage[] = []
    const out = join(root, 'out')
    const result = await runTrainingWorker(
      {
        task: 'instance_segmentation',
        datasetRoot: root,
        classes: dataset.classes,
        items: dataset.items,
        params: { ...DEFAULT_TRAIN_PARAMS, imageSize: 64, epochs: 1, batchSize: 4, valSplit: 0.25 },
        outDir: out,
        cacheDir: join(root, 'cache'),
        threads: 1,
      },
      { onMessage: (m) => messages.push(m) },
    )
    expect(result.files).toEqual(
      expect.arrayContaining([
        'model.h5',
        'model.json',
        'weights.bin',
        'labels.json',
        'metrics.json',
      ]),
    )
    for (const file of result.files) expect(existsSync(join(out, file))).toBe(true)
    const epoch = messages.find((m) => m.type === 'epoch')
    expect(epoch?.type === 'epoch' && epoch.metrics).toMatchObject({
      task: 'instance_segmentation',
      epoch: 1,
    })

    const labels = JSON.parse(
      readFileSync(join(out, 'labels.json'), 'utf8'),
    ) as SegmentationLabelsFile
    expect(labels).toMatchObject({ task: 'instance_segmentation', inputSize: [64, 64, 3] })
    expect(labels.detection.outputs.map((o) => o.name)).toEqual([
      'heatmap',
      'box_size',
      'center_offset',
    ])
    expect(labels.segmentation).toMatchObject({
      prototypeCount: 16,
      prototypeStride: 4,
      maskThreshold: 0.5,
    })
    expect(labels.segmentation.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['mask_coefficients', [16, 16, 16]],
      ['prototypes', [16, 16, 16]],
    ])

    const metrics = JSON.parse(
      readFileSync(join(out, 'metrics.json'), 'utf8'),
    ) as SegmentationMetricsFile
    expect(metrics).toMatchObject({
      task: 'instance_segmentation',
      trainImages: 9,
      valImages: 3,
      classes: dataset.classes.map((c) => c.name),
      bestEpoch: 1,
      threads: 1,
      skippedImages: [],
    })
    expect(metrics.epochs[0]?.maskLoss).toBeGreaterThan(0)
    expect(Object.keys(metrics.maskCoco.stats)).toHaveLength(12)
    expect(Object.keys(metrics.boxCoco.stats)).toHaveLength(12)
    expect(metrics.maskCoco.perClass.map((c) => c.categoryId)).toEqual(
      dataset.classes.map((c) => c.categoryId),
    )
    // Reviewed images keep their own size; their true masks are the annotations' own.
    expect(metrics.worstImages.length).toBeGreaterThan(0)
    for (const review of metrics.worstImages) {
      expect([review.width, review.height]).toEqual([96, 96])
      const item = dataset.items.find((i) => i.fileName === review.file)
      expect(review.groundTruth.map((b) => b.mask)).toEqual(item?.boxes?.map((b) => b.mask))
      for (const predicted of review.predicted) expect(predicted.mask.size).toEqual([96, 96])
    }
  }, 300_000)
})
