import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import h5wasm from 'h5wasm/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { saveKerasH5 } from '../../src-main/engine/export/keras-h5'
import { imageBatch, selectImages } from '../../src-main/engine/data/image-batches'
import { kerasTrainingConfig } from '../../src-main/engine/export/keras-h5-layout'
import { loadKerasH5 } from '../../src-main/engine/backbone/load-keras-h5'
import { selectBackend } from '../../src-main/engine/backend/select-backend'
import {
  splitStratified,
  trainClassifier,
} from '../../src-main/engine/tasks/classification/train-classifier'
import { syntheticImageSet } from './synthetic-images'

const PYTHON = '/usr/bin/python3'

/**
 * Reads the file the way Keras' legacy loader does (h5py, attribute and group names, weight
 * order) and checks every weight's shape against the layer config, tracking channel counts
 * through the model. Prints one JSON line: the layers and the sum of every weight.
 */
const KERAS_LAYOUT_CHECK = String.raw`
import json, sys
import h5py, numpy as np
def text(v): return v.decode('utf8') if hasattr(v, 'decode') else str(v)
f = h5py.File(sys.argv[1], 'r')
assert text(f.attrs['backend']) == 'tensorflow'
assert text(f.attrs['keras_version']).startswith('2.')
config = json.loads(text(f.attrs['model_config']))
training = json.loads(text(f.attrs['training_config']))
assert training['optimizer_config']['class_name'] == 'Adam' and 'loss_weights' in training
assert config['class_name'] == 'Sequential'
layers = config['config']['layers']
mw = f['model_weights']
names = [text(n) for n in mw.attrs['layer_names']]
assert names == [l['config']['name'] for l in layers], names
channels = layers[0]['config']['batch_input_shape'][-1]
sums = {}
for layer in layers:
    kind, cfg = layer['class_name'], layer['config']
    g = mw[cfg['name']]
    weight_names = [text(n) for n in g.attrs['weight_names']]
    if kind == 'Conv2D':
        expected = [('kernel', tuple(cfg['kernel_size']) + (channels, cfg['filters'])), ('bias', (cfg['filters'],))]
        channels = cfg['filters']
    elif kind == 'BatchNormalization':
        expected = [(n, (channels,)) for n in ('gamma', 'beta', 'moving_mean', 'moving_variance')]
    elif kind == 'Dense':
        expected = [('kernel', (channels, cfg['units'])), ('bias', (cfg['units'],))]
        channels = cfg['units']
    else:
        expected = []
    assert weight_names == ['%s/%s:0' % (cfg['name'], n) for n, _ in expected], weight_names
    for name, (short, shape) in zip(weight_names, expected):
        data = g[name]
        assert data.dtype == np.float32 and data.shape == shape, (name, data.dtype, data.shape)
        assert np.all(np.isfinite(data[()]))
        sums[name] = float(np.sum(data[()], dtype=np.float64))
print(json.dumps({'layers': names, 'sums': sums}))
`

let dir: string
let model: tf.LayersModel
let file: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-h5-'))
  await selectBackend('wasm')
  tf.env().set('PROD', true)
  // A briefly trained model, so batch-norm statistics and weights are all non-trivial.
  const set = syntheticImageSet(6, 2)
  const split = splitStratified(set.labels, 0.25, 1)
  const params = { ...DEFAULT_TRAIN_PARAMS, imageSize: 16, epochs: 2, batchSize: 6 }
  model = (
    await trainClassifier({
      train: selectImages(set, split.train),
      val: selectImages(set, split.val),
      numClasses: 3,
      params,
      callbacks: { onEpoch: () => {} },
    })
  ).model
  file = join(dir, 'model.h5')
  await saveKerasH5(model, file, kerasTrainingConfig(params.learningRate))
})

afterAll(() => {
  model?.dispose()
  rmSync(dir, { recursive: true, force: true })
})

describe('saveKerasH5', () => {
  it('writes the Keras legacy layout (read back with h5wasm)', async () => {
    await h5wasm.ready
    const h5 = new h5wasm.File(file, 'r')
    try {
      expect(h5.attrs.backend?.value).toBe('tensorflow')
      expect(String(h5.attrs.keras_version?.value)).toMatch(/^2\./)
      const config = JSON.parse(String(h5.attrs.model_config?.value)) as {
        class_name: string
        backend: string
        config: { layers: { class_name: string; config: { name: string } }[] }
      }
      expect(config.class_name).toBe('Sequential')
      expect(config.backend).toBe('tensorflow')
      expect(config.config.layers.map((l) => l.config.name)).toEqual(
        model.layers.map((l) => l.name),
      )
      expect(config.config.layers.map((l) => l.class_name)).toContain('Rescaling')
      const training = JSON.parse(String(h5.attrs.training_config?.value)) as {
        optimizer_config: { config: { learning_rate: number } }
      }
      expect(training.optimizer_config.config.learning_rate).toBe(DEFAULT_TRAIN_PARAMS.learningRate)

      const weights = h5.get('model_weights') as InstanceType<typeof h5wasm.Group>
      expect(weights.attrs.layer_names?.value).toEqual(model.layers.map((l) => l.name))
      for (const layer of model.layers) {
        const group = weights.get(layer.name) as InstanceType<typeof h5wasm.Group>
        const names = layer.weights.map((w) => `${layer.name}/${w.originalName.split('/').pop()}:0`)
        const stored = group.attrs.weight_names?.value
        expect(names.length === 0 ? [] : stored).toEqual(names)
        layer.weights.forEach((weight, i) => {
          const dataset = group.get(names[i] as string) as InstanceType<typeof h5wasm.Dataset>
          expect(dataset.shape).toEqual(weight.shape)
          expect(dataset.dtype).toBe('<f')
          expect(Array.from(dataset.value as Float32Array)).toEqual(
            Array.from(weight.read().dataSync()),
          )
        })
      }
    } finally {
      h5.close()
    }
  })

  it('is readable by h5py with the layout Keras loads', () => {
    const script = join(dir, 'check_layout.py')
    writeFileSync(script, KERAS_LAYOUT_CHECK)
    const result = spawnSync(PYTHON, [script, file], { encoding: 'utf8' })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const report = JSON.parse(result.stdout) as { layers: string[]; sums: Record<string, number> }
    expect(report.layers).toEqual(model.layers.map((l) => l.name))
    const kernel = model.getLayer('dense').weights[0] as tf.LayerVariable
    const expected = Array.from(kernel.read().dataSync()).reduce((a, b) => a + b, 0)
    expect(report.sums['dense/kernel:0']).toBeCloseTo(expected, 4)
    expect(Object.keys(report.sums)).toHaveLength(model.weights.length)
  })

  it('loads back into a model that predicts exactly the same', async () => {
    const loaded = await loadKerasH5(file)
    const images = imageBatch(syntheticImageSet(3, 9), [0, 1, 2, 3, 4, 5, 6, 7, 8])
    try {
      const diff = tf.tidy(() =>
        tf.max(
          tf.abs(tf.sub(model.predict(images) as tf.Tensor, loaded.predict(images) as tf.Tensor)),
        ),
      )
      expect(diff.dataSync()[0]).toBeLessThan(1e-5)
      diff.dispose()
      expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name))
    } finally {
      images.dispose()
      loaded.dispose()
    }
  })

  it('leaves only the finished file in the folder', () => {
    expect(readdirSync(dir).filter((name) => name !== 'check_layout.py')).toEqual(['model.h5'])
  })
})

describe('loadKerasH5', () => {
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'loaded',
      (error: unknown) => (error instanceof AppFailure ? error.error : { code: String(error) }),
    )

  it('names a missing file', async () => {
    const missing = join(dir, 'nothing.h5')
    expect(await codeOf(loadKerasH5(missing))).toMatchObject({
      code: 'MODEL_FILE_MISSING',
      file: missing,
    })
  })

  it('refuses a file that is not HDF5, or HDF5 without a model', async () => {
    const text = join(dir, 'text.h5')
    writeFileSync(text, 'not an hdf5 file')
    expect(await codeOf(loadKerasH5(text))).toMatchObject({
      code: 'MODEL_FILE_INVALID',
      file: text,
    })
    await h5wasm.ready
    const empty = join(dir, 'empty.h5')
    new h5wasm.File(empty, 'w').close()
    expect(await codeOf(loadKerasH5(empty))).toMatchObject({ code: 'MODEL_FILE_INVALID' })
  })
})
