// The detector's raw outputs for a batch of images, read back as one DetectionMaps per image: the
// form decodeDetections takes, for evaluation during and after training.

import * as tf from '@tensorflow/tfjs'
import type { DetectionMaps } from '../../../../src-shared/tasks/detection-output'

/** Splits [n, rows, cols, channels] values into n per-image views (no copies). */
function perImage(values: Float32Array, n: number, perImageLength: number): Float32Array[] {
  return Array.from({ length: n }, (_, i) =>
    values.subarray(i * perImageLength, (i + 1) * perImageLength),
  )
}

/** The model's maps (inference mode) for each image of the batch. */
export function predictMaps(
  model: tf.LayersModel,
  images: tf.Tensor4D,
  stride: number,
): DetectionMaps[] {
  const outputs = model.predict(images) as tf.Tensor[]
  try {
    return mapsOf(outputs, stride)
  } finally {
    for (const output of outputs) output.dispose()
  }
}

/** The three outputs (heatmap, box_size, center_offset) as per-image maps; the caller keeps them. */
export function mapsOf(outputs: readonly tf.Tensor[], stride: number): DetectionMaps[] {
  const [heatmap, size, offset] = outputs as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D]
  const [n, rows, cols, classes] = heatmap.shape
  const heat = perImage(heatmap.dataSync() as Float32Array, n, rows * cols * classes)
  const sizes = perImage(size.dataSync() as Float32Array, n, rows * cols * 2)
  const offsets = perImage(offset.dataSync() as Float32Array, n, rows * cols * 2)
  return heat.map((values, i) => ({
    rows,
    cols,
    classes,
    stride,
    heatmap: values,
    size: sizes[i] as Float32Array,
    offset: offsets[i] as Float32Array,
  }))
}
