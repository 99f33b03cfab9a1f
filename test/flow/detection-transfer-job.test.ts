// A detection run on a transfer backbone through the training worker, on wasm: a small
// MobileNet-style backbone saved as a Keras .h5 next to a few generated demo detection images.
// The backbone fixes the input size (labels.json says so, with stride-4 output shapes), the last
// backbone layers fine-tune (a depthwise conv among them: its gradients come from the project's
// wasm kernels), the loss falls, and model.h5 and the TF.js files hold the whole network.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DETECTION_OUTPUT_NAMES } from '../../src-shared/tasks/detection-output'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import type { ClassInfo, ClassificationItem } from '../../src-shared/validate-annotations'
import { writeDemoDetectionDataset } from '../../src-main/dataset/demo-detection-dataset'
import { loadKerasH5 } from '../../src-main/engine/backbone/load-keras-h5'
import type {
  DetectionLabelsFile,
  DetectionMetricsFile,
} from '../../src-main/engine/worker/detection-training'
import type { TrainingMessage } from '../../src-main/engine/worker/training-protocol'
import { runTrainingWorker } from '../../src-main/jobs/run-training-worker'
import { buildMobileBackbone, saveMobileBackbone } from '../engine/mobile-backbone'

const SIZE = 64

interface DemoAnnotations {
  images: { id: number; file_name: string; width: number; height: number }[]
  annotations: { image_id: number; category_id: number; bbox: number[]; area: number }[]
  categories: { id: number; name: string }[]
}

let root: string
let backboneFile: string
let classes: ClassInfo[]
let items: ClassificationItem[]

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'detection-transfer-'))
  // Untrained weights do: what is checked is the wiring, not what the backbone knows.
  const backbone = buildMobileBackbone({ size: SIZE, seed: 4 })
  backboneFile = await saveMobileBackbone(backbone, root, 'h5')
  backbone.dispose()
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
      width: image.width,
      height: image.height,
    }
  })
}, 120_000)

afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('obj_detection with architecture transfer', () => {
  it('trains the detector on the backbone at its input size and exports the whole network', async () => {
    const messages: TrainingMessage[] = []
    const out = join(root, 'out')
    const result = await runTrainingWorker(
      {
        task: 'obj_detection',
        datasetRoot: root,
        classes,
        items,
        params: {
          ...DEFAULT_TRAIN_PARAMS,
          architecture: 'transfer',
          backbone: backboneFile,
          fineTuneLayers: 4,
          // The backbone's 64 px win over this.
          imageSize: 128,
          epochs: 4,
          batchSize: 4,
          learningRate: 3e-3,
          valSplit: 0.25,
          augment: false,
          patience: 0,
        },
        outDir: out,
        cacheDir: join(root, 'cache'),
        backend: 'wasm',
        threads: 1,
      },
      { onMessage: (m) => messages.push(m) },
    )
    expect(result.files).toEqual(
      expect.arrayContaining(['model.h5', 'model.json', 'weights.bin', 'labels.json']),
    )
    const logs = messages.flatMap((m) => (m.type === 'log' ? [m.message] : []))
    expect(logs).toContain(
      `Detector on backbone ${backboneFile}: features of block3_add (stride 4), 4 backbone layer(s) fine-tuned`,
    )
    const epochs = messages.flatMap((m) => (m.type === 'epoch' ? [m.metrics] : []))
    expect(epochs).toHaveLength(4)
    expect(epochs.at(-1)!.loss).toBeLessThan(epochs[0]!.loss)

    const labels = JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8')) as DetectionLabelsFile
    expect(labels).toMatchObject({ task: 'obj_detection', inputSize: [SIZE, SIZE, 3] })
    expect(labels.detection.stride).toBe(4)
    expect(labels.detection.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['heatmap', [16, 16, classes.length]],
      ['box_size', [16, 16, 2]],
      ['center_offset', [16, 16, 2]],
    ])
    const metrics = JSON.parse(
      readFileSync(join(out, 'metrics.json'), 'utf8'),
    ) as DetectionMetricsFile
    expect(metrics.params).toMatchObject({ architecture: 'transfer', imageSize: SIZE })
    expect(metrics).toMatchObject({ backend: 'wasm', trainImages: 9, valImages: 3 })

    // Both files hold the backbone and the heads, and compute the same maps.
    const fromH5 = await loadKerasH5(join(out, 'model.h5'))
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as tf.io.ModelJSON
    const fromTfjs = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0]?.weights,
        weightData: new Uint8Array(readFileSync(join(out, 'weights.bin'))).buffer,
      }),
    )
    const images = tf.randomUniform([2, SIZE, SIZE, 3], 0, 255, 'float32', 3)
    try {
      expect(fromH5.layers.map((l) => l.name)).toContain('block3_dw')
      expect(fromH5.outputNames).toEqual([...DETECTION_OUTPUT_NAMES])
      const a = fromH5.predict(images) as tf.Tensor[]
      const b = fromTfjs.predict(images) as tf.Tensor[]
      try {
        expect(a.map((t) => t.shape)).toEqual([
          [2, 16, 16, classes.length],
          [2, 16, 16, 2],
          [2, 16, 16, 2],
        ])
        const worst = Math.max(
          ...a.map((t, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(t, b[i]!))).dataSync()[0]!)),
        )
        expect(worst).toBeLessThan(1e-5)
      } finally {
        tf.dispose([...a, ...b])
      }
    } finally {
      images.dispose()
      fromH5.dispose()
      fromTfjs.dispose()
    }
  }, 300_000)
})
