// The detection network (functional, UpSampling2D, Concatenate, three named outputs) through both
// exporters: model.h5 read by h5py and run by a numpy reading of the Keras legacy layout, read back
// by the project's loader, and the TF.js model reloaded by tf.loadLayersModel; raw outputs and the
// boxes they decode to match the model that was saved.

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import h5wasm from 'h5wasm/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DETECTION_OUTPUT_NAMES,
  EVALUATION_DECODE,
  decodeDetections,
} from '../../../src-shared/tasks/detection-output'
import { loadKerasH5 } from '../../../src-main/engine/backbone/load-keras-h5'
import { saveKerasH5 } from '../../../src-main/engine/export/keras-h5'
import { kerasDetectionTrainingConfig } from '../../../src-main/engine/export/keras-h5-layout'
import { saveTfjsModel } from '../../../src-main/engine/export/tfjs'
import { DETECTION_STRIDE, buildDetectionNetwork } from './detection-network'

const PYTHON = '/usr/bin/python3'
const FORWARD_SCRIPT = join(__dirname, 'keras-h5-forward.py')
const SIZE = 32
const CLASSES = 2
const COUNT = 2

let dir: string
let model: tf.LayersModel
let images: tf.Tensor4D
let file: string

function outputsOf(m: tf.LayersModel): tf.Tensor[] {
  return m.predict(images) as tf.Tensor[]
}

function maxDifference(a: tf.Tensor[], b: tf.Tensor[]): number {
  expect(b.map((t) => t.shape)).toEqual(a.map((t) => t.shape))
  return Math.max(
    ...a.map((t, i) =>
      tf.tidy(() => tf.max(tf.abs(tf.sub(t, b[i] as tf.Tensor))).dataSync()[0] ?? NaN),
    ),
  )
}

/** The boxes of image 0, as evaluation decodes them (the lowest threshold: the most boxes). */
function boxesOf(outputs: tf.Tensor[]) {
  const [heatmap, size, offset] = outputs.map((t) => t.slice([0], [1]).dataSync())
  const cells = SIZE / DETECTION_STRIDE
  return decodeDetections(
    {
      rows: cells,
      cols: cells,
      classes: CLASSES,
      stride: DETECTION_STRIDE,
      heatmap: heatmap as Float32Array,
      size: size as Float32Array,
      offset: offset as Float32Array,
    },
    EVALUATION_DECODE,
  )
}

beforeAll(async () => {
  await tf.setBackend('cpu')
  dir = mkdtempSync(join(tmpdir(), 'engine-detection-export-'))
  model = buildDetectionNetwork({ imageSize: SIZE, numClasses: CLASSES, seed: 3 })
  // Batch-norm statistics and biases away from their initial values, as training leaves them.
  model.weights.forEach((weight, i) => {
    const name = weight.originalName
    // Box sizes mostly positive, so that peaks make boxes to compare.
    const range: [number, number] | undefined = /box_size\/bias/.test(name)
      ? [2, 4]
      : /moving_variance|gamma/.test(name)
        ? [0.5, 1.5]
        : /moving_mean|beta|bias/.test(name)
          ? [-0.3, 0.3]
          : undefined
    if (range) weight.write(tf.randomUniform(weight.shape as number[], ...range, 'float32', i))
  })
  images = tf.randomUniform([COUNT, SIZE, SIZE, 3], 0, 255, 'float32', 7)
  file = join(dir, 'model.h5')
  await saveKerasH5(model, file, kerasDetectionTrainingConfig(0.001))
})

afterAll(() => {
  images?.dispose()
  model?.dispose()
  rmSync(dir, { recursive: true, force: true })
})

describe('model.h5 of a detector', () => {
  it('is a Keras functional model with the three named outputs and every layer named', async () => {
    await h5wasm.ready
    const h5 = new h5wasm.File(file, 'r')
    try {
      const config = JSON.parse(String(h5.attrs.model_config?.value)) as {
        class_name: string
        config: {
          layers: { class_name: string; name: string; inbound_nodes: unknown[] }[]
          input_layers: unknown[]
          output_layers: unknown[]
        }
      }
      expect(['Model', 'Functional']).toContain(config.class_name)
      expect(config.config.input_layers).toEqual([['image', 0, 0]])
      expect(config.config.output_layers).toEqual(DETECTION_OUTPUT_NAMES.map((n) => [n, 0, 0]))
      const kinds = new Set(config.config.layers.map((layer) => layer.class_name))
      for (const kind of ['UpSampling2D', 'Concatenate', 'Rescaling', 'BatchNormalization'])
        expect(kinds).toContain(kind)
      const concat = config.config.layers.find((layer) => layer.name === 'up1_concat')
      expect(concat?.inbound_nodes).toEqual([
        [
          ['up1', 0, 0, {}],
          ['down3_2_relu', 0, 0, {}],
        ],
      ])
      // A loss Keras does not know would stop keras.models.load_model: only the optimizer is kept.
      const training = JSON.parse(String(h5.attrs.training_config?.value)) as {
        loss: unknown
        optimizer_config: { class_name: string }
      }
      expect(training.loss).toBeNull()
      expect(training.optimizer_config.class_name).toBe('Adam')
      const heatmap = (h5.get('model_weights/heatmap') as InstanceType<typeof h5wasm.Group>).attrs
      expect(heatmap.weight_names?.value).toEqual(['heatmap/kernel:0', 'heatmap/bias:0'])
      const kernel = h5.get('model_weights/heatmap/heatmap/kernel:0') as InstanceType<
        typeof h5wasm.Dataset
      >
      expect(kernel.shape).toEqual([1, 1, 64, CLASSES])
    } finally {
      h5.close()
    }
  })

  it('is read by h5py and computes, as Keras would load it, the outputs of the model', () => {
    const pixels = join(dir, 'images.f32')
    writeFileSync(pixels, images.dataSync() as Float32Array)
    const result = spawnSync(PYTHON, [FORWARD_SCRIPT, file, pixels, String(COUNT), String(SIZE)], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const report = JSON.parse(result.stdout) as {
      layer_names: string[]
      keras_order: string[]
      outputs: Record<string, { shape: number[]; values: number[] }>
    }
    const names = model.layers.map((layer) => layer.name)
    expect(report.layer_names).toEqual(names)
    // Keras pairs layers with their stored weights by position, in the order it derives itself.
    expect(report.keras_order).toEqual(names)
    expect(Object.keys(report.outputs)).toEqual([...DETECTION_OUTPUT_NAMES])
    const mine = outputsOf(model)
    try {
      const cells = SIZE / DETECTION_STRIDE
      DETECTION_OUTPUT_NAMES.forEach((name, i) => {
        const theirs = report.outputs[name]
        const channels = i === 0 ? CLASSES : 2
        expect(theirs?.shape).toEqual([COUNT, cells, cells, channels])
        const values = (mine[i] as tf.Tensor).dataSync()
        let worst = 0
        theirs?.values.forEach(
          (v, k) => (worst = Math.max(worst, Math.abs(v - (values[k] ?? NaN)))),
        )
        // numpy computes in float64: the float32 model differs by rounding only.
        expect(worst).toBeLessThan(1e-4)
      })
    } finally {
      tf.dispose(mine)
    }
  })

  it('reloads with loadKerasH5 into the same raw outputs and boxes', async () => {
    const loaded = await loadKerasH5(file)
    const mine = outputsOf(model)
    const theirs = outputsOf(loaded)
    try {
      expect(loaded.outputNames).toEqual([...DETECTION_OUTPUT_NAMES])
      expect(loaded.layers.map((layer) => layer.name)).toEqual(model.layers.map((l) => l.name))
      expect(maxDifference(mine, theirs)).toBeLessThan(1e-5)
      const boxes = boxesOf(mine)
      expect(boxes.length).toBeGreaterThan(0)
      expect(boxesOf(theirs)).toEqual(boxes)
    } finally {
      tf.dispose([...mine, ...theirs])
      loaded.dispose()
    }
  })
})

describe('the TF.js export of a detector', () => {
  it('reloads with tf.loadLayersModel into the same raw outputs and boxes', async () => {
    const folder = join(dir, 'tfjs')
    await saveTfjsModel(model, folder)
    const json = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as tf.io.ModelJSON
    const weightData = readFileSync(join(folder, 'weights.bin'))
    const loaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0]?.weights,
        weightData: new Uint8Array(weightData).buffer,
      }),
    )
    const mine = outputsOf(model)
    const theirs = outputsOf(loaded)
    try {
      expect(loaded.outputNames).toEqual([...DETECTION_OUTPUT_NAMES])
      expect(maxDifference(mine, theirs)).toBeLessThan(1e-5)
      expect(boxesOf(theirs)).toEqual(boxesOf(mine))
    } finally {
      tf.dispose([...mine, ...theirs])
      loaded.dispose()
    }
  })
})
