// What the mask loss compares against, computed in plain arrays outside the graph: for each
// object of a batch (padded to the batch's most objects), a one-hot row choosing its centre cell
// on the head grid (so coefficients are picked by a matrix product, not a gather, whose gradient
// the wasm backend lacks), its mask's coverage of each prototype cell, the cells inside its box
// (YOLACT crops the loss to the box), and its weight: 1 / the box's area in cells, so large and
// small objects count alike.

import * as tf from '@tensorflow/tfjs'

export interface MaskObject {
  /** [x, y, w, h] in input pixels. */
  bbox: readonly [number, number, number, number] | readonly number[]
  /** S×S row-major, 1 inside the object, on the (augmented) input. */
  mask: Uint8Array
}

export interface MaskGrid {
  /** Input side S in pixels. */
  inputSize: number
  /** Input pixels per heatmap cell (where coefficients are read) and per prototype cell. */
  headStride: number
  protoStride: number
}

export interface MaskTargetArrays {
  batch: number
  /** Objects per image after padding (at least 1). */
  slots: number
  headCells: number
  protoCells: number
  /** [batch, slots, headCells]. */
  selection: Float32Array
  /** [batch, slots, protoCells]: share of each prototype cell the mask covers. */
  target: Float32Array
  /** [batch, slots, protoCells]: 1 for cells whose centre lies in the box. */
  crop: Float32Array
  /** [batch, slots]: 1 / box cells for real objects, 0 for padding. */
  weight: Float32Array
  objects: number
}

/** The heatmap cell an object's centre falls in: the cell its detection (and coefficients) sit at. */
export function centreCell(
  bbox: readonly number[],
  stride: number,
  cells: number,
): { row: number; col: number } {
  const [x = 0, y = 0, w = 0, h = 0] = bbox
  const clamp = (v: number) => Math.min(cells - 1, Math.max(0, Math.floor(v / stride)))
  return { row: clamp(y + h / 2), col: clamp(x + w / 2) }
}

export function maskTargetArrays(
  images: readonly MaskObject[][],
  grid: MaskGrid,
): MaskTargetArrays {
  const { inputSize: size, headStride, protoStride } = grid
  const headSide = size / headStride
  const protoSide = size / protoStride
  const headCells = headSide * headSide
  const protoCells = protoSide * protoSide
  const batch = images.length
  const slots = Math.max(1, ...images.map((objects) => objects.length))
  const selection = new Float32Array(batch * slots * headCells)
  const target = new Float32Array(batch * slots * protoCells)
  const crop = new Float32Array(batch * slots * protoCells)
  const weight = new Float32Array(batch * slots)
  let objects = 0
  images.forEach((list, b) =>
    list.forEach((object, s) => {
      const slot = b * slots + s
      const { row, col } = centreCell(object.bbox, headStride, headSide)
      selection[slot * headCells + row * headSide + col] = 1
      const [x = 0, y = 0, w = 0, h = 0] = object.bbox
      let inside = 0
      for (let r = 0; r < protoSide; r++)
        for (let c = 0; c < protoSide; c++) {
          const cell = slot * protoCells + r * protoSide + c
          const cx = (c + 0.5) * protoStride
          const cy = (r + 0.5) * protoStride
          if (cx >= x && cx <= x + w && cy >= y && cy <= y + h) {
            crop[cell] = 1
            inside++
          }
          let covered = 0
          for (let py = r * protoStride; py < (r + 1) * protoStride; py++)
            for (let px = c * protoStride; px < (c + 1) * protoStride; px++)
              covered += object.mask[py * size + px] as number
          target[cell] = covered / (protoStride * protoStride)
        }
      weight[slot] = 1 / Math.max(1, inside)
      objects++
    }),
  )
  return { batch, slots, headCells, protoCells, selection, target, crop, weight, objects }
}

export interface MaskTargetTensors {
  selection: tf.Tensor3D
  target: tf.Tensor3D
  crop: tf.Tensor3D
  weight: tf.Tensor2D
  objects: number
}

export function maskTargetTensors(arrays: MaskTargetArrays): MaskTargetTensors {
  const { batch, slots, headCells, protoCells } = arrays
  return {
    selection: tf.tensor3d(arrays.selection, [batch, slots, headCells]),
    target: tf.tensor3d(arrays.target, [batch, slots, protoCells]),
    crop: tf.tensor3d(arrays.crop, [batch, slots, protoCells]),
    weight: tf.tensor2d(arrays.weight, [batch, slots]),
    objects: arrays.objects,
  }
}
