// The detector on a pretrained backbone: where it reads a backbone (its stride-16 map and the
// stride-8 map before it, or the last map of a shallow one), its outputs at stride 4 of the
// backbone's input, a frozen backbone that training leaves as it was (and opened layers that it
// changes, depthwise ones included, on wasm), a falling loss, and model.h5 and TF.js files that
// hold the whole network and reload to the same outputs.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-shared/seeded-random'
import { DETECTION_OUTPUT_NAMES } from '../../../src-shared/tasks/detection-output'
import type { DetectionEpochMetrics } from '../../../src-shared/tasks/detection-metrics'
import { DEFAULT_TRAIN_PARAMS } from '../../../src-shared/train-params'
import { loadKerasH5 } from '../../../src-main/engine/backbone/load-keras-h5'
import { imageSamples } from '../../../src-main/engine/data/image-batches'
import { saveKerasH5 } from '../../../src-main/engine/export/keras-h5'
import { saveTfjsModel } from '../../../src-main/engine/export/tfjs'
import type { BackboneGraph } from '../../../src-main/engine/tasks/classification/transfer-model'
import {
  trainDetector,
  type DetectionBox,
  type DetectionSet,
} from '../../../src-main/engine/tasks/detection/train-detector'
import {
  buildTransferDetector,
  featureTaps,
} from '../../../src-main/engine/tasks/detection/transfer-detector'
import { setUpWasmBackend } from '../kernel-comparison'
import { buildMobileBackbone } from '../mobile-backbone'

const SIZE = 64
const CLASSES = 2

type Node = tf.SymbolicTensor

/**
 * Depthwise-separable blocks down to stride 32, so the detector must pick the stride-16 map
 * inside rather than the output; batch-norm statistics away from their initial values.
 */
function deepBackbone(): tf.LayersModel {
  let seed = 100
  const apply = (layer: tf.layers.Layer, x: Node) => layer.apply(x) as Node
  const bnRelu = (x: Node, name: string) =>
    apply(
      tf.layers.activation({ activation: 'relu', name: `${name}_relu` }),
      apply(tf.layers.batchNormalization({ name: `${name}_bn` }), x),
    )
  const input = tf.input({ shape: [SIZE, SIZE, 3], name: 'image' })
  let x = apply(tf.layers.rescaling({ scale: 1 / 127.5, offset: -1, name: 'rescaling' }), input)
  x = bnRelu(
    apply(
      tf.layers.conv2d({
        filters: 8,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: tf.initializers.heNormal({ seed: seed++ }),
        name: 'stem',
      }),
      x,
    ),
    'stem',
  )
  ;[12, 16, 24, 32].forEach((filters, i) => {
    const name = `b${i + 1}`
    x = apply(
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        useBias: false,
        depthwiseInitializer: tf.initializers.heNormal({ seed: seed++ }),
        name: `${name}_dw`,
      }),
      x,
    )
    x = bnRelu(
      apply(
        tf.layers.conv2d({
          filters,
          kernelSize: 1,
          useBias: false,
          kernelInitializer: tf.initializers.heNormal({ seed: seed++ }),
          name: `${name}_pw`,
        }),
        x,
      ),
      `${name}_pw`,
    )
  })
  const model = tf.model({ inputs: input, outputs: x, name: 'deep_backbone' })
  model.weights.forEach((weight, i) => {
    if (/moving_variance/.test(weight.originalName))
      weight.write(tf.randomUniform(weight.shape as number[], 0.5, 1.5, 'float32', i))
    if (/moving_mean/.test(weight.originalName))
      weight.write(tf.randomUniform(weight.shape as number[], -0.2, 0.2, 'float32', i))
  })
  return model
}

function graph(model: tf.LayersModel): BackboneGraph {
  return { model, inputShape: [SIZE, SIZE, 3], inputScaling: 'raw' }
}

/** Keras' MobileNet v1 layout (alpha 0.25, 224 px), layer names and paddings as it has them. */
function mobileNetV1Layout(): tf.LayersModel {
  const apply = (layer: tf.layers.Layer, x: Node) => layer.apply(x) as Node
  const bnRelu = (x: Node, name: string) =>
    apply(
      tf.layers.reLU({ maxValue: 6, name: `${name}_relu` }),
      apply(tf.layers.batchNormalization({ name: `${name}_bn` }), x),
    )
  const pad = (name: string) =>
    tf.layers.zeroPadding2d({
      padding: [
        [0, 1],
        [0, 1],
      ],
      name,
    })
  const input = tf.input({ shape: [224, 224, 3] })
  let x = apply(pad('conv1_pad'), input)
  x = bnRelu(
    apply(
      tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, useBias: false, name: 'conv1' }),
      x,
    ),
    'conv1',
  )
  const filters = [16, 32, 32, 64, 64, 128, 128, 128, 128, 128, 128, 256, 256]
  const halving = new Set([2, 4, 6, 12])
  filters.forEach((count, i) => {
    const block = i + 1
    const strides = halving.has(block) ? 2 : 1
    if (strides === 2) x = apply(pad(`conv_pad_${block}`), x)
    const dw = tf.layers.depthwiseConv2d({
      kernelSize: 3,
      strides,
      padding: strides === 2 ? 'valid' : 'same',
      useBias: false,
      name: `conv_dw_${block}`,
    })
    x = bnRelu(apply(dw, x), `conv_dw_${block}`)
    const pw = tf.layers.conv2d({
      filters: count,
      kernelSize: 1,
      useBias: false,
      name: `conv_pw_${block}`,
    })
    x = bnRelu(apply(pw, x), `conv_pw_${block}`)
  })
  return tf.model({ inputs: input, outputs: x, name: 'mobilenet_layout' })
}

/** Noise with one or two solid squares (class = colour), and their boxes. */
function squares(count: number, seed: number): DetectionSet {
  const random = seededRandom(seed)
  const colours = [
    [230, 40, 40],
    [40, 90, 230],
  ]
  const pixels = new Uint8Array(count * SIZE * SIZE * 3)
  const boxes: DetectionBox[][] = []
  for (let n = 0; n < count; n++) {
    const base = n * SIZE * SIZE * 3
    for (let i = 0; i < SIZE * SIZE * 3; i++) pixels[base + i] = 90 + Math.floor(random() * 40)
    const own: DetectionBox[] = []
    for (let k = 0; k < 1 + (n % 2); k++) {
      const side = 14 + Math.floor(random() * 10)
      const x = k * 32 + Math.floor(random() * (32 - side))
      const y = Math.floor(random() * (SIZE - side))
      const classIndex = Math.floor(random() * CLASSES)
      for (let py = y; py < y + side; py++)
        for (let px = x; px < x + side; px++)
          pixels.set(colours[classIndex]!, base + (py * SIZE + px) * 3)
      own.push({ classIndex, bbox: [x, y, side, side], iscrowd: 0 })
    }
    boxes.push(own)
  }
  return {
    images: imageSamples({ pixels, labels: new Int32Array(count), count, size: SIZE }),
    boxes,
  }
}

function maxDifference(a: tf.Tensor[], b: tf.Tensor[]): number {
  expect(b.map((t) => t.shape)).toEqual(a.map((t) => t.shape))
  return Math.max(
    ...a.map((t, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(t, b[i]!))).dataSync()[0] ?? NaN)),
  )
}

const kernelOf = (model: tf.LayersModel, layer: string) =>
  model.getLayer(layer).getWeights()[0]!.dataSync().slice()

let dir: string

beforeAll(async () => {
  await setUpWasmBackend()
  await tf.setBackend('wasm')
  dir = mkdtempSync(join(tmpdir(), 'transfer-detector-'))
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('featureTaps', () => {
  it("reads a deep backbone's last stride-16 map and the stride-8 map before it", () => {
    const backbone = deepBackbone()
    try {
      expect(featureTaps(backbone, SIZE)).toEqual({
        feature: { layer: 'b3_pw_relu', stride: 16 },
        skip: { layer: 'b2_pw_relu', stride: 8 },
      })
    } finally {
      backbone.dispose()
    }
  })

  it("reads a shallow backbone's last map", () => {
    const backbone = buildMobileBackbone({ size: 32 })
    try {
      expect(featureTaps(backbone, 32)).toEqual({ feature: { layer: 'block3_add', stride: 4 } })
    } finally {
      backbone.dispose()
    }
  })

  it('reads MobileNet v1 at 224 px at its 14×14 and 28×28 maps, past the padded ones', () => {
    const backbone = mobileNetV1Layout()
    try {
      expect(featureTaps(backbone, 224)).toEqual({
        feature: { layer: 'conv_pw_11_relu', stride: 16 },
        skip: { layer: 'conv_pw_5_relu', stride: 8 },
      })
      const { model } = buildTransferDetector({
        backbone: { model: backbone, inputShape: [224, 224, 3], inputScaling: 'symmetric' },
        numClasses: 3,
        seed: 1,
      })
      expect(model.outputs.map((o) => o.shape)).toEqual([
        [null, 56, 56, 3],
        [null, 56, 56, 2],
        [null, 56, 56, 2],
      ])
      // Pixels 0–255 in, scaled to [−1, 1] for the backbone as the classifier's path does.
      expect(model.getLayer('neck_input_scaling').getConfig()).toMatchObject({
        scale: 1 / 127.5,
        offset: -1,
      })
    } finally {
      backbone.dispose()
    }
  })

  it('refuses a backbone without a map at stride 4 to 32', () => {
    const input = tf.input({ shape: [SIZE, SIZE, 3] })
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' })
    const backbone = tf.model({ inputs: input, outputs: conv.apply(input) as Node, name: 'flat' })
    try {
      expect(() => featureTaps(backbone, SIZE)).toThrow(
        expect.objectContaining({ error: expect.objectContaining({ code: 'BACKBONE_INVALID' }) }),
      )
    } finally {
      backbone.dispose()
    }
  })
})

describe('the transfer detector', () => {
  it('outputs the three maps at stride 4 of the backbone input, the backbone frozen', () => {
    const backbone = deepBackbone()
    const { model, fineTuned } = buildTransferDetector({
      backbone: graph(backbone),
      numClasses: CLASSES,
      seed: 3,
    })
    try {
      expect(fineTuned).toEqual([])
      expect(model.outputNames).toEqual([...DETECTION_OUTPUT_NAMES])
      expect(model.outputs.map((o) => o.shape)).toEqual([
        [null, 16, 16, CLASSES],
        [null, 16, 16, 2],
        [null, 16, 16, 2],
      ])
      const names = model.layers.map((layer) => layer.name)
      expect(names).toContain('b1_dw')
      expect(names).toContain('neck_up1_concat')
      // Past the stride-16 map the backbone is not part of the detector.
      expect(names).not.toContain('b4_dw')
      const trainable = model.trainableWeights.map((w) => w.originalName)
      expect(trainable.some((name) => /^(stem|b\d)/.test(name))).toBe(false)
      expect(trainable.some((name) => name.startsWith('heatmap'))).toBe(true)
    } finally {
      model.dispose()
    }
  })

  it('trains on wasm with the loss falling, leaving frozen layers as they were', async () => {
    const backbone = deepBackbone()
    const epochs: DetectionEpochMetrics[] = []
    let opened: string[] = []
    const frozenBefore = kernelOf(backbone, 'b2_dw')
    const openBefore = kernelOf(backbone, 'b3_dw')
    const trained = await trainDetector({
      train: squares(16, 1),
      val: squares(4, 2),
      numClasses: CLASSES,
      params: {
        ...DEFAULT_TRAIN_PARAMS,
        imageSize: SIZE,
        epochs: 4,
        batchSize: 8,
        learningRate: 3e-3,
        augment: false,
        patience: 0,
      },
      callbacks: { onEpoch: (m) => epochs.push(m) },
      buildModel: (opts) => {
        // The last four weighted layers: b3's depthwise conv among them, so its gradient is needed.
        const built = buildTransferDetector({
          ...opts,
          backbone: graph(backbone),
          fineTuneLayers: 4,
        })
        opened = built.fineTuned
        return built.model
      },
    })
    try {
      expect(opened).toEqual(['b2_pw_bn', 'b3_dw', 'b3_pw', 'b3_pw_bn'])
      expect(epochs).toHaveLength(4)
      expect(epochs.at(-1)!.loss).toBeLessThan(epochs[0]!.loss)
      expect(kernelOf(trained.model, 'b2_dw')).toEqual(frozenBefore)
      expect(kernelOf(trained.model, 'b3_dw')).not.toEqual(openBefore)
    } finally {
      trained.model.dispose()
    }
  }, 120_000)

  it('exports model.h5 and TF.js files that reload to the same outputs', async () => {
    const backbone = deepBackbone()
    const { model } = buildTransferDetector({
      backbone: graph(backbone),
      numClasses: CLASSES,
      seed: 5,
    })
    const images = tf.randomUniform([2, SIZE, SIZE, 3], 0, 255, 'float32', 7)
    const file = join(dir, 'model.h5')
    try {
      await saveKerasH5(model, file)
      const fromH5 = await loadKerasH5(file)
      const folder = join(dir, 'tfjs')
      await saveTfjsModel(model, folder)
      const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as tf.io.ModelJSON
      const fromTfjs = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0]?.weights,
          weightData: new Uint8Array(readFileSync(join(folder, 'weights.bin'))).buffer,
        }),
      )
      const mine = model.predict(images) as tf.Tensor[]
      try {
        for (const loaded of [fromH5, fromTfjs]) {
          expect(loaded.outputNames).toEqual([...DETECTION_OUTPUT_NAMES])
          expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name))
          const theirs = loaded.predict(images) as tf.Tensor[]
          try {
            expect(maxDifference(mine, theirs)).toBeLessThan(1e-5)
          } finally {
            tf.dispose(theirs)
          }
        }
      } finally {
        tf.dispose(mine)
        fromH5.dispose()
        fromTfjs.dispose()
      }
    } finally {
      images.dispose()
      model.dispose()
    }
  })
})
