import { describe, expect, it } from 'vitest'
import { rleArea, rleDecode, rleToBbox } from '../../../src-shared/coco-mask/rle'
import type { DecodedBox } from '../../../src-shared/tasks/detection-output'
import { instanceMask, type PrototypeMaps } from '../../../src-shared/tasks/segmentation-output'

/** 16×16 prototype cells at stride 4 (a 64×64 input): prototype 0 is +4 left of column 8, −4
 *  right of it; prototype 1 is +4 above row 8, −4 below. Coefficients sit on an 16×16 head grid. */
function maps(coefficients: [number, number]): PrototypeMaps {
  const rows = 16
  const cols = 16
  const prototypes = new Float32Array(rows * cols * 2)
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      prototypes[(r * cols + c) * 2] = c < 8 ? 4 : -4
      prototypes[(r * cols + c) * 2 + 1] = r < 8 ? 4 : -4
    }
  const coeffs = new Float32Array(rows * cols * 2)
  coeffs[(5 * cols + 6) * 2] = coefficients[0]
  coeffs[(5 * cols + 6) * 2 + 1] = coefficients[1]
  return { stride: 4, rows, cols, count: 2, prototypes, coefficients: coeffs, headCols: cols }
}

const box: DecodedBox = {
  classIndex: 0,
  score: 0.9,
  bbox: [8, 8, 48, 48],
  cell: { row: 5, col: 6 },
}
const input = { width: 64, height: 64 }

describe('instanceMask', () => {
  it('is the sign of the coefficients times the prototypes, cropped to the box', () => {
    const rle = instanceMask(box, maps([1, 0]), input, input)
    // Left of x = 32 (cell 8 starts there) and inside the box: x 8–31, y 8–55.
    expect(rleToBbox(rle)).toEqual([8, 8, 24, 48])
    expect(rleArea(rle)).toBe(24 * 48)
  })

  it('combines prototypes linearly, weighted by the coefficients', () => {
    // logit = 1.5·p0 + p1: the sign of p0 decides (±6 outweighs ±4): the box's left half.
    const mask = rleDecode(instanceMask(box, maps([1.5, 1]), input, input))
    const at = (x: number, y: number) => mask[x * 64 + y]
    expect([at(20, 20), at(20, 40), at(40, 20), at(40, 40)]).toEqual([1, 1, 0, 0])
    // logit = p0 + 1.5·p1: now p1 decides: the top half.
    const other = rleDecode(instanceMask(box, maps([1, 1.5]), input, input))
    expect([20, 40].flatMap((x) => [20, 40].map((y) => other[x * 64 + y]))).toEqual([1, 0, 1, 0])
  })

  it('is drawn in the image’s own pixels, however the image was stretched', () => {
    const rle = instanceMask(box, maps([1, 0]), input, { width: 128, height: 32 })
    expect(rle.width).toBe(128)
    expect(rle.height).toBe(32)
    expect(rleToBbox(rle)).toEqual([16, 4, 48, 24])
  })

  it('is empty for a box without a cell, and follows a negative coefficient', () => {
    expect(rleArea(instanceMask({ ...box, cell: undefined }, maps([1, 0]), input, input))).toBe(0)
    const below = instanceMask(box, maps([0, -1]), input, input)
    expect(rleToBbox(below)).toEqual([8, 32, 48, 24])
  })
})
