// The detector network (CenterNet-style, stride 4), fixed layer for layer so that this engine and
// the PyTorch peer train the same thing: a four-block encoder, a two-step upsampling path with skip
// connections, and on the stride-4 feature map one shared head trunk feeding three 1×1 outputs named
// after DETECTION_OUTPUT_NAMES. convHead stays for tasks that add a head of their own.
// Stock Keras layers only, so the functional model exports to Keras HDF5 as it is.

import * as tf from '@tensorflow/tfjs'

/** Input pixels per output cell. */
export const DETECTOR_STRIDE = 4
/** Channels of the four down blocks (strides 2, 4, 8, 16). */
export const DOWN_FILTERS = [16, 32, 64, 128] as const
/**
 * Channels of the up steps to stride 8 and to stride 4. The stride-4 step is the widest map (32×32
 * cells at 128 px), so 32 channels there instead of 64 halves its 57M multiply-adds per image.
 */
export const UP_FILTERS = [64, 32] as const
const HEAD_FILTERS = 64
/**
 * Keras' default 0.99 keeps 30% of the initial running statistics after 120 steps (ten demo
 * epochs), so inference-mode outputs lag what training fitted in short runs; 0.9 forgets them in
 * a few dozen steps.
 */
export const BN_MOMENTUM = 0.9
/** Heatmap bias for a prior of 0.1 (CenterNet's −2.19): the focal loss starts from few centres. */
const HEATMAP_PRIOR_BIAS = -2.19

export interface DetectorOptions {
  /** Input side in pixels, a multiple of 16. */
  imageSize: number
  numClasses: number
  seed: number
  /**
   * Box side (in cells) the size head starts from, and 0.5 for the offset head: starting at the
   * typical answer rather than 0 saves the slow L1 (weight 0.1) many epochs of walking there.
   */
  sizePrior?: number
}

/** Conv (no bias) → batch norm → ReLU, the unit every block is made of. */
function convUnit(
  input: tf.SymbolicTensor,
  name: string,
  filters: number,
  strides: number,
  seed: number,
): tf.SymbolicTensor {
  const conv = tf.layers.conv2d({
    name: `${name}_conv`,
    filters,
    kernelSize: 3,
    strides,
    padding: 'same',
    useBias: false,
    kernelInitializer: tf.initializers.heNormal({ seed }),
  })
  const norm = tf.layers.batchNormalization({ name: `${name}_bn`, momentum: BN_MOMENTUM })
  const relu = tf.layers.activation({ name: `${name}_relu`, activation: 'relu' })
  return relu.apply(norm.apply(conv.apply(input))) as tf.SymbolicTensor
}

/** One head: a 3×3 ReLU conv, then a 1×1 conv to the head's channels, named `name`. */
export function convHead(
  feature: tf.SymbolicTensor,
  name: string,
  channels: number,
  seed: number,
  last: { activation?: 'sigmoid' | 'tanh' | 'relu'; bias?: number },
): tf.SymbolicTensor {
  const hidden = tf.layers.conv2d({
    name: `${name}_hidden`,
    filters: HEAD_FILTERS,
    kernelSize: 3,
    padding: 'same',
    activation: 'relu',
    kernelInitializer: tf.initializers.heNormal({ seed }),
  })
  const out = tf.layers.conv2d({
    name,
    filters: channels,
    kernelSize: 1,
    ...(last.activation && { activation: last.activation }),
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
    biasInitializer: last.bias ? tf.initializers.constant({ value: last.bias }) : 'zeros',
  })
  return out.apply(hidden.apply(feature)) as tf.SymbolicTensor
}

/**
 * The stride-4 feature map every head reads: the pixel input scaled to 0–1, the four down blocks,
 * and the up path joined with the encoder's maps at strides 8 and 4.
 */
export function detectorFeatures(input: tf.SymbolicTensor, seed: number): tf.SymbolicTensor {
  let x = tf.layers
    .rescaling({ name: 'rescaling', scale: 1 / 255, offset: 0 })
    .apply(input) as tf.SymbolicTensor
  const skips: tf.SymbolicTensor[] = []
  DOWN_FILTERS.forEach((filters, block) => {
    const name = `down${block + 1}`
    x = convUnit(x, `${name}a`, filters, 2, seed + block * 2)
    x = convUnit(x, `${name}b`, filters, 1, seed + block * 2 + 1)
    skips.push(x)
  })
  // Up from stride 16 to 8, then to 4, each time joined with the encoder's map at that stride.
  ;[2, 1].forEach((skip, step) => {
    const name = `up${step + 1}`
    const up = tf.layers.upSampling2d({ name: `${name}_upsample`, size: [2, 2] }).apply(x)
    const joined = tf.layers
      .concatenate({ name: `${name}_concat` })
      .apply([up as tf.SymbolicTensor, skips[skip] as tf.SymbolicTensor]) as tf.SymbolicTensor
    x = convUnit(joined, name, UP_FILTERS[step] ?? 64, 1, seed + 20 + step)
  })
  return x
}

/** A 1×1 output conv named `name` on the heads' shared trunk. */
function headOutput(
  trunk: tf.SymbolicTensor,
  name: string,
  channels: number,
  seed: number,
  last: { activation?: 'sigmoid'; bias?: number },
): tf.SymbolicTensor {
  return tf.layers
    .conv2d({
      name,
      filters: channels,
      kernelSize: 1,
      ...(last.activation && { activation: last.activation }),
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      biasInitializer: last.bias ? tf.initializers.constant({ value: last.bias }) : 'zeros',
    })
    .apply(trunk) as tf.SymbolicTensor
}

/**
 * The three detection heads on the feature map, in DETECTION_OUTPUT_NAMES order: one shared 3×3
 * ReLU trunk feeding three 1×1 outputs. Three separate 3×3 hidden convs cost 113M of the 251M
 * multiply-adds per 128 px image; sharing one cuts that to 19M, and the demo still reaches the same
 * validation mAP@.5 (see DETECTION_RECIPE).
 */
export function detectionHeads(
  feature: tf.SymbolicTensor,
  opts: Pick<DetectorOptions, 'numClasses' | 'seed' | 'sizePrior'>,
): tf.SymbolicTensor[] {
  const { numClasses, seed } = opts
  const trunk = tf.layers
    .conv2d({
      name: 'head_trunk',
      filters: HEAD_FILTERS,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: seed + 30 }),
    })
    .apply(feature) as tf.SymbolicTensor
  return [
    headOutput(trunk, 'heatmap', numClasses, seed + 31, {
      activation: 'sigmoid',
      bias: HEATMAP_PRIOR_BIAS,
    }),
    headOutput(trunk, 'box_size', 2, seed + 33, { bias: opts.sizePrior ?? 0 }),
    headOutput(trunk, 'center_offset', 2, seed + 35, { bias: 0.5 }),
  ]
}

/** The pixel input of a detector-shaped network: RGB 0–255 at imageSize². */
export function detectorInput(imageSize: number): tf.SymbolicTensor {
  if (imageSize % 16 !== 0 || imageSize < 16)
    throw new Error(`the detector's input side must be a multiple of 16, not ${imageSize}`)
  return tf.input({ name: 'image', shape: [imageSize, imageSize, 3] })
}

/** The detector: RGB 0–255 at imageSize² in, [heatmap, box_size, center_offset] at stride 4 out. */
export function buildDetector(opts: DetectorOptions): tf.LayersModel {
  const input = detectorInput(opts.imageSize)
  const outputs = detectionHeads(detectorFeatures(input, opts.seed), opts)
  return tf.model({ name: 'detector', inputs: input, outputs })
}
