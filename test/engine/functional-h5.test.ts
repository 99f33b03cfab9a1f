import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import h5wasm from 'h5wasm/node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { loadLayersModelFile } from '../../src-main/engine/backbone/backbone-files'
import { saveKerasH5 } from '../../src-main/engine/export/keras-h5'
import { saveTfjsModel } from '../../src-main/engine/export/tfjs'
import { loadKerasH5 } from '../../src-main/engine/backbone/load-keras-h5'
import { buildMobileBackbone, pretrainMobileBackbone } from './mobile-backbone'

// MobileNet-style functional models (depthwise convs, batch norm, ReLU6, zero padding, a residual
// Add, pooling, dropout, dense) through both exporters and back. The cpu backend trains the
// backbone, as the wasm backend has no depthwise-conv gradients.

const PYTHON = '/usr/bin/python3'

/**
 * Reads the file as Keras' legacy loader does and derives every weight's shape from the layer
 * configs, following each layer's channels through inbound_nodes (recursing into a nested model).
 * Prints the layer names and the sum of every weight, keyed by its path in the file.
 */
const FUNCTIONAL_LAYOUT_CHECK = String.raw`
import json, sys
import h5py, numpy as np
def text(v): return v.decode('utf8') if hasattr(v, 'decode') else str(v)
f = h5py.File(sys.argv[1], 'r')
assert text(f.attrs['keras_version']).startswith('2.')
config = json.loads(text(f.attrs['model_config']))
assert config['class_name'] in ('Model', 'Functional'), config['class_name']
mw = f['model_weights']
names = [text(n) for n in mw.attrs['layer_names']]
assert names == [l['config']['name'] for l in config['config']['layers']], names

def expected_weights(model_config, input_channels):
    """(layer name, [(weight short name, shape)]) per layer, and the output channels."""
    channels, result = {}, []
    inputs = iter(input_channels)
    for layer in model_config['layers']:
        kind, cfg, name = layer['class_name'], layer['config'], layer['config']['name']
        inbound = [node[0] for node in layer['inbound_nodes'][0]] if layer['inbound_nodes'] else []
        c = channels[inbound[0]] if inbound else None
        weights = []
        if kind == 'InputLayer':
            c = next(inputs)
        elif kind == 'Conv2D':
            weights = [('kernel', tuple(cfg['kernel_size']) + (c, cfg['filters']))]
            c = cfg['filters']
            weights += [('bias', (c,))] if cfg['use_bias'] else []
        elif kind == 'DepthwiseConv2D':
            weights = [('depthwise_kernel', tuple(cfg['kernel_size']) + (c, cfg['depth_multiplier']))]
            c = c * cfg['depth_multiplier']
            weights += [('bias', (c,))] if cfg['use_bias'] else []
        elif kind == 'BatchNormalization':
            weights = [(n, (c,)) for n in ('gamma', 'beta', 'moving_mean', 'moving_variance')]
        elif kind == 'Dense':
            weights = [('kernel', (c, cfg['units'])), ('bias', (cfg['units'],))]
            c = cfg['units']
        elif kind == 'Add':
            assert len({channels[i] for i in inbound}) == 1, inbound
        elif kind in ('Model', 'Functional'):
            inner, c = expected_weights(cfg, [channels[i] for i in inbound])
            weights = [('%s/%s' % (n, short), shape) for n, ws in inner for short, shape in ws]
        else:
            assert kind in ('Rescaling', 'ZeroPadding2D', 'ReLU', 'GlobalAveragePooling2D', 'Dropout'), kind
        channels[name] = c
        result.append((name, weights))
    return result, channels[model_config['output_layers'][0][0]]

sums = {}
for name, weights in expected_weights(config['config'], [3])[0]:
    g = mw[name]
    stored = [text(n) for n in g.attrs['weight_names']]
    wanted = [w if '/' in w else '%s/%s' % (name, w) for w, _ in weights]
    # Keras orders a nested model's weights trainable first; compare those as sets.
    assert sorted(stored) == sorted(n + ':0' for n in wanted), (stored, wanted)
    for short, shape in weights:
        key = (short if '/' in short else '%s/%s' % (name, short)) + ':0'
        data = g[key]
        assert data.dtype == np.float32 and data.shape == shape, (key, data.dtype, data.shape, shape)
        assert np.all(np.isfinite(data[()]))
        sums[name + '/' + key] = float(np.sum(data[()], dtype=np.float64))
print(json.dumps({'layers': names, 'sums': sums}))
`

type Node = tf.SymbolicTensor
let dir: string
let backbone: tf.LayersModel
let flat: tf.LayersModel
let nested: tf.LayersModel
let images: tf.Tensor

/** Pooling, dropout and a softmax layer on top of `features`. */
function head(features: Node, prefix: string): Node {
  const pooled = tf.layers.globalAveragePooling2d({ name: `${prefix}_pool` }).apply(features)
  const dropped = tf.layers.dropout({ rate: 0.2, name: `${prefix}_dropout` }).apply(pooled)
  const dense = tf.layers.dense({
    units: 3,
    activation: 'softmax',
    kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }),
    name: `${prefix}_dense`,
  })
  return dense.apply(dropped) as Node
}

function maxDifference(a: tf.LayersModel, b: tf.LayersModel): number {
  return tf.tidy(
    () =>
      tf
        .max(tf.abs(tf.sub(a.predict(images) as tf.Tensor, b.predict(images) as tf.Tensor)))
        .dataSync()[0] ?? NaN,
  )
}

/** All weight sums of a model, keyed as the layout check prints them. */
function weightSums(model: tf.LayersModel): number[] {
  return model.weights.map((weight) => weight.read().sum().dataSync()[0] ?? NaN)
}

beforeAll(async () => {
  await tf.setBackend('cpu')
  dir = mkdtempSync(join(tmpdir(), 'engine-functional-h5-'))
  backbone = buildMobileBackbone({ seed: 2 })
  await pretrainMobileBackbone(backbone, 2)
  // The head on the backbone's own graph: one flat functional model.
  flat = tf.model({ inputs: backbone.inputs, outputs: head(backbone.outputs[0] as Node, 'flat') })
  // The backbone used as one layer of a classifier, as a transfer model may hold it.
  const input = tf.input({ shape: [32, 32, 3], name: 'pixels' })
  nested = tf.model({
    inputs: input,
    outputs: head(backbone.apply(input) as Node, 'nested'),
    name: 'classifier',
  })
  images = tf.randomUniform([4, 32, 32, 3], 0, 255, 'float32', 5)
})

afterAll(() => {
  images?.dispose()
  nested?.dispose()
  rmSync(dir, { recursive: true, force: true })
})

describe.each([
  ['flat', () => flat],
  ['nested', () => nested],
])('a %s MobileNet-style model', (name, modelOf) => {
  it('round-trips through saveKerasH5 and loadKerasH5', async () => {
    const file = join(dir, `${name}.h5`)
    await saveKerasH5(modelOf(), file)
    const loaded = await loadKerasH5(file)
    try {
      expect(loaded.layers.map((layer) => layer.name)).toEqual(modelOf().layers.map((l) => l.name))
      expect(maxDifference(modelOf(), loaded)).toBeLessThan(1e-5)
    } finally {
      loaded.dispose()
    }
  })

  it('round-trips through saveTfjsModel', async () => {
    const folder = join(dir, `${name}-tfjs`)
    await saveTfjsModel(modelOf(), folder)
    const { model: loaded } = await loadLayersModelFile(join(folder, 'model.json'))
    try {
      expect(maxDifference(modelOf(), loaded)).toBeLessThan(1e-5)
    } finally {
      loaded.dispose()
    }
  })

  it('is read by h5py with every weight where Keras looks for it', async () => {
    const file = join(dir, `${name}-check.h5`)
    await saveKerasH5(modelOf(), file)
    const script = join(dir, 'check_functional_layout.py')
    writeFileSync(script, FUNCTIONAL_LAYOUT_CHECK)
    const result = spawnSync(PYTHON, [script, file], { encoding: 'utf8' })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const report = JSON.parse(result.stdout) as { layers: string[]; sums: Record<string, number> }
    expect(report.layers).toEqual(modelOf().layers.map((layer) => layer.name))
    const sums = Object.values(report.sums)
    expect(sums).toHaveLength(modelOf().weights.length)
    const mine = weightSums(modelOf()).sort((a, b) => a - b)
    sums.sort((a, b) => a - b).forEach((sum, i) => expect(sum).toBeCloseTo(mine[i] ?? NaN, 3))
  })
})

type LayerJson = { class_name: string; config: Record<string, unknown> }

/**
 * Saves the flat model, then rewrites its config the way Keras 2 writes one: a built batch norm's
 * axis as a list, dtype policy objects, and `layer_names` split into numbered chunks.
 */
async function kerasFlavouredFile(name: string, edit: (layer: LayerJson) => void): Promise<string> {
  const file = join(dir, `${name}.h5`)
  await saveKerasH5(flat, file)
  await h5wasm.ready
  const h5 = new h5wasm.File(file, 'a')
  try {
    const config = JSON.parse(String(h5.attrs.model_config?.value)) as {
      config: { layers: LayerJson[] }
    }
    config.config.layers.forEach(edit)
    h5.delete_attribute('model_config')
    h5.create_attribute('model_config', JSON.stringify(config))
    const weights = h5.get('model_weights') as InstanceType<typeof h5wasm.Group>
    const names = flat.layers.map((layer) => layer.name)
    const half = names.length >> 1
    weights.delete_attribute('layer_names')
    for (const [chunk, part] of [names.slice(0, half), names.slice(half)].entries())
      weights.create_attribute(`layer_names${chunk}`, part, [part.length], 'S64')
  } finally {
    h5.close()
  }
  return file
}

describe('loadKerasH5 with configs written by Keras 2', () => {
  it('reads list axes, dtype policies and chunked layer names', async () => {
    const file = await kerasFlavouredFile('keras2', (layer) => {
      layer.config.dtype = { class_name: 'Policy', config: { name: 'float32' } }
      if (layer.class_name === 'BatchNormalization') layer.config.axis = [3]
      if (layer.class_name === 'ReLU')
        Object.assign(layer.config, { negative_slope: 0, threshold: 0 })
    })
    const loaded = await loadKerasH5(file)
    try {
      expect(maxDifference(flat, loaded)).toBeLessThan(1e-5)
    } finally {
      loaded.dispose()
    }
  })

  it('refuses a ReLU with a threshold rather than computing something else', async () => {
    const file = await kerasFlavouredFile('threshold', (layer) => {
      if (layer.class_name === 'ReLU') layer.config.threshold = 0.5
    })
    const error = await loadKerasH5(file).then(
      () => undefined,
      (thrown: unknown) => (thrown instanceof AppFailure ? thrown.error : undefined),
    )
    expect(error).toMatchObject({ code: 'MODEL_FILE_INVALID', file })
    expect(error?.message).toContain('threshold 0.5')
  })
})
