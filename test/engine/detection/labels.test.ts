// labels.json of a detector: the common fields, and a `detection` part whose output shapes are the
// network's own and whose decode options are the predict route's.

import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import {
  DETECTION_OUTPUT_NAMES,
  PREDICTION_DECODE,
} from '../../../src-shared/tasks/detection-output'
import { detectionLabels } from '../../../src-main/engine/tasks/detection/labels'
import { DETECTION_STRIDE, buildDetectionNetwork } from '../export/detection-network'

const CLASSES = [
  { index: 0, categoryId: 3, name: 'cat' },
  { index: 1, categoryId: 9, name: 'dog' },
  { index: 2, categoryId: 11, name: 'bird' },
]

describe('detectionLabels', () => {
  it("describes the network's outputs in its output order, with their shapes", async () => {
    await tf.setBackend('cpu')
    const model = buildDetectionNetwork({ imageSize: 32, numClasses: 3, seed: 1 })
    try {
      const labels = detectionLabels({ classes: CLASSES, imageSize: 32, stride: DETECTION_STRIDE })
      expect(labels).toMatchObject({
        task: 'obj_detection',
        classes: CLASSES,
        inputSize: [32, 32, 3],
        inputRange: [0, 255],
        channels: 'RGB',
        resizeMode: 'fill',
      })
      expect(labels.detection.stride).toBe(4)
      expect(labels.detection.outputs.map((o) => o.name)).toEqual(model.outputNames)
      expect(labels.detection.outputs.map((o) => o.name)).toEqual([...DETECTION_OUTPUT_NAMES])
      expect(labels.detection.outputs.map((o) => o.shape)).toEqual(
        model.outputs.map((o) => o.shape.slice(1)),
      )
      for (const output of labels.detection.outputs)
        expect(output.meaning.length).toBeGreaterThan(20)
      expect(labels.detection.decode).toEqual(PREDICTION_DECODE)
      // A copy: the file written never aliases the shared constant.
      expect(labels.detection.decode).not.toBe(PREDICTION_DECODE)
      expect(JSON.parse(JSON.stringify(labels))).toEqual(labels)
    } finally {
      model.dispose()
    }
  })

  it('takes other decode options and refuses an input the stride does not divide', () => {
    const decode = { ...PREDICTION_DECODE, scoreThreshold: 0.5 }
    expect(
      detectionLabels({ classes: CLASSES, imageSize: 64, stride: 4, decode }).detection,
    ).toMatchObject({ decode, outputs: [{ shape: [16, 16, 3] }, {}, {}] })
    expect(() => detectionLabels({ classes: CLASSES, imageSize: 30, stride: 4 })).toThrow(
      /multiple of the stride/,
    )
  })
})
