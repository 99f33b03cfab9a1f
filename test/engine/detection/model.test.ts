import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { DETECTION_OUTPUT_NAMES } from '../../../src-shared/tasks/detection-output'
import { BN_MOMENTUM, buildDetector } from '../../../src-main/engine/tasks/detection/model'

/** The layer that feeds `name`'s (single) input. */
function inboundOf(model: tf.LayersModel, name: string): string | undefined {
  const node = model.getLayer(name).inboundNodes[0]
  return node?.inboundLayers[0]?.name
}

describe('buildDetector', () => {
  const model = buildDetector({ imageSize: 64, numClasses: 3, seed: 1 })

  it('names its outputs in order, stride 4, fed by one shared 3×3 head trunk', () => {
    expect(model.outputNames).toEqual([...DETECTION_OUTPUT_NAMES])
    expect(model.outputs.map((o) => o.shape)).toEqual([
      [null, 16, 16, 3],
      [null, 16, 16, 2],
      [null, 16, 16, 2],
    ])
    for (const name of DETECTION_OUTPUT_NAMES) expect(inboundOf(model, name)).toBe('head_trunk')
    const threeByThree = model.layers.filter(
      (layer) =>
        layer.getClassName() === 'Conv2D' &&
        (layer.getConfig().kernelSize as number[])[0] === 3 &&
        inboundOf(model, layer.name) === 'up2_relu',
    )
    expect(threeByThree.map((layer) => layer.name)).toEqual(['head_trunk'])
    // The stride-4 feature map is 32 channels wide.
    expect(model.getLayer('up2_relu').outputShape).toEqual([null, 16, 16, 32])
  })

  it('uses batch-norm momentum 0.9, so short runs do not keep the initial statistics', () => {
    const norms = model.layers.filter((layer) => layer.getClassName() === 'BatchNormalization')
    expect(norms.length).toBe(10)
    expect(BN_MOMENTUM).toBe(0.9)
    for (const norm of norms) expect(norm.getConfig().momentum).toBe(0.9)
  })
})
