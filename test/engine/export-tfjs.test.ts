import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildClassifier } from '../../src-main/engine/tasks/classification/model'
import { saveTfjsModel } from '../../src-main/engine/export/tfjs'
import { imageBatch } from '../../src-main/engine/data/image-batches'
import { selectBackend } from '../../src-main/engine/backend/select-backend'
import { syntheticImageSet } from './synthetic-images'

let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'engine-tfjs-'))
  await selectBackend('wasm')
  tf.env().set('PROD', true)
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('saves model.json and its weights so that tfjs loads the same model back', async () => {
  const model = buildClassifier({ imageSize: 16, numClasses: 3, seed: 4 })
  // Non-default values everywhere, including the batch-norm statistics.
  for (const weight of model.weights)
    weight.write(tf.randomUniform(weight.shape as number[], 0.5, 1.5, 'float32', 3))
  const out = join(dir, 'model')
  const files = await saveTfjsModel(model, out)
  expect(files).toEqual(['model.json', 'weights.bin'])
  expect(readdirSync(out).sort()).toEqual(['model.json', 'weights.bin'])

  const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as tf.io.ModelJSON
  expect(json.format).toBe('layers-model')
  expect(json.weightsManifest[0]?.paths).toEqual(['weights.bin'])
  const weightData = readFileSync(join(out, 'weights.bin'))
  expect(weightData.byteLength).toBe(model.countParams() * 4)
  const loaded = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0]?.weights,
      weightData: new Uint8Array(weightData).buffer,
    }),
  )
  const images = imageBatch(syntheticImageSet(2, 5), [0, 1, 2, 3, 4, 5])
  const diff = tf.tidy(() =>
    tf.max(tf.abs(tf.sub(model.predict(images) as tf.Tensor, loaded.predict(images) as tf.Tensor))),
  )
  expect(diff.dataSync()[0]).toBe(0)
  tf.dispose([diff, images])
  model.dispose()
  loaded.dispose()
})
