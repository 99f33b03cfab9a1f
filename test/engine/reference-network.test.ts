import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { buildModel } from '../../src-main/engine/tasks/classification/model'
import { saveKerasH5 } from '../../src-main/engine/export/keras-h5'
import { imageBatch } from '../../src-main/engine/data/image-batches'
import { kerasTrainingConfig } from '../../src-main/engine/export/keras-h5-layout'
import { loadKerasH5 } from '../../src-main/engine/backbone/load-keras-h5'
import { selectBackend } from '../../src-main/engine/backend/select-backend'
import { syntheticImageSet } from './synthetic-images'

const dir = mkdtempSync(join(tmpdir(), 'engine-reference-'))
beforeAll(async () => {
  await selectBackend('wasm')
  tf.env().set('PROD', true)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

it('builds the peer network and exports it to Keras HDF5 that loads back the same', async () => {
  const model = buildModel('reference', { imageSize: 28, numClasses: 10, seed: 3 })
  const loaded = await (async () => {
    // conv 3·3·3·32+32, conv 3·3·32·64+64, dense 5·5·64·128+128, dense 128·10+10
    expect(model.countParams()).toBe(896 + 18_496 + 204_928 + 1_290)
    expect(model.outputs[0]?.shape).toEqual([null, 10])
    const file = join(dir, 'model.h5')
    await saveKerasH5(model, file, kerasTrainingConfig(1e-3))
    return loadKerasH5(file)
  })()
  const images = imageBatch(syntheticImageSet(2, 4, 28), [0, 1, 2, 3, 4, 5])
  try {
    const diff = tf.tidy(() =>
      tf.max(
        tf.abs(tf.sub(model.predict(images) as tf.Tensor, loaded.predict(images) as tf.Tensor)),
      ),
    )
    expect(diff.dataSync()[0]).toBeLessThan(1e-6)
    diff.dispose()
  } finally {
    images.dispose()
    loaded.dispose()
    model.dispose()
  }
})
