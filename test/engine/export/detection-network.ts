// The detection network of the shared design (CenterNet-style: four down blocks, two up steps with
// skip concatenations, one shared head trunk feeding three 1×1 outputs at stride 4), built with stock tfjs layers for the export tests
// so they do not depend on the training side's builder. Every layer is named, as Keras needs.

import * as tf from '@tensorflow/tfjs'
import { DETECTION_OUTPUT_NAMES } from '../../../src-shared/tasks/detection-output'

type Node = tf.SymbolicTensor

export const DETECTION_STRIDE = 4

export function buildDetectionNetwork(opts: {
  imageSize: number
  numClasses: number
  seed: number
  /** Channels of the down blocks; the design's are 16, 32, 64, 128. */
  widths?: [number, number, number, number]
  /** Channels of the up steps to strides 8 and 4; the design's are 64, 32. */
  upWidths?: [number, number]
  /** Channels of the shared head trunk; the design's is 64. */
  headWidth?: number
}): tf.LayersModel {
  const widths = opts.widths ?? [16, 32, 64, 128]
  const upWidths = opts.upWidths ?? [64, 32]
  const headWidth = opts.headWidth ?? 64
  let seed = opts.seed
  const kernel = () => tf.initializers.heNormal({ seed: seed++ })
  const conv = (x: Node, filters: number, name: string, strides = 1): Node =>
    tf.layers
      .conv2d({
        filters,
        kernelSize: 3,
        strides,
        padding: 'same',
        useBias: false,
        kernelInitializer: kernel(),
        name,
      })
      .apply(x) as Node
  const bnRelu = (x: Node, name: string): Node =>
    tf.layers
      .reLU({ name: `${name}_relu` })
      .apply(tf.layers.batchNormalization({ name: `${name}_bn`, momentum: 0.9 }).apply(x)) as Node

  const input = tf.input({ shape: [opts.imageSize, opts.imageSize, 3], name: 'image' })
  let x = tf.layers.rescaling({ scale: 1 / 255, name: 'rescaling' }).apply(input) as Node
  const skips: Node[] = []
  widths.forEach((c, i) => {
    x = bnRelu(conv(x, c, `down${i + 1}_conv1`, 2), `down${i + 1}_1`)
    x = bnRelu(conv(x, c, `down${i + 1}_conv2`), `down${i + 1}_2`)
    skips.push(x)
  })
  for (const [step, skip] of [skips[2], skips[1]].entries()) {
    const up = tf.layers.upSampling2d({ size: [2, 2], name: `up${step + 1}` }).apply(x) as Node
    const joined = tf.layers
      .concatenate({ axis: -1, name: `up${step + 1}_concat` })
      .apply([up, skip as Node]) as Node
    x = bnRelu(conv(joined, upWidths[step] ?? 64, `up${step + 1}_conv`), `up${step + 1}`)
  }
  const trunk = tf.layers
    .conv2d({
      filters: headWidth,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: kernel(),
      name: 'head_trunk',
    })
    .apply(x) as Node
  const head = (
    name: string,
    k: number,
    last: Pick<Parameters<typeof tf.layers.conv2d>[0], 'activation' | 'biasInitializer'>,
  ): Node =>
    tf.layers
      .conv2d({ filters: k, kernelSize: 1, kernelInitializer: kernel(), name, ...last })
      .apply(trunk) as Node
  const [heatmap, boxSize, centerOffset] = DETECTION_OUTPUT_NAMES
  return tf.model({
    inputs: input,
    outputs: [
      head(heatmap, opts.numClasses, {
        activation: 'sigmoid',
        biasInitializer: tf.initializers.constant({ value: -2.19 }),
      }),
      head(boxSize, 2, {}),
      head(centerOffset, 2, {}),
    ],
    name: 'detector',
  })
}
