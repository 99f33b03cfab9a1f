// Augmentation that moves boxes with the pixels: a solid rectangle drawn in the image stays under
// its moved box for any drawn variation, boxes mostly cut off are dropped, zooms stay in the
// recipe's range, and a seed fixes it all.

import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../../src-shared/seeded-random'
import {
  drawBoxVariation,
  moveBoxes,
  renderBoxVariation,
  type BoxVariation,
} from '../../../src-main/engine/tasks/detection/augment-boxes'
import type { DetectionBox } from '../../../src-main/engine/tasks/detection/train-detector'

const SIZE = 64

/** A grey image with a solid red rectangle at `box`. */
function imageWith(box: readonly number[]): Uint8Array {
  const [bx = 0, by = 0, bw = 0, bh = 0] = box
  const pixels = new Uint8Array(SIZE * SIZE * 3).fill(110)
  for (let y = by; y < by + bh; y++)
    for (let x = bx; x < bx + bw; x++) pixels.set([230, 20, 20], (y * SIZE + x) * 3)
  return pixels
}

const isRed = (out: Float32Array, x: number, y: number) => {
  const at = (y * SIZE + x) * 3
  return (out[at] as number) - (out[at + 1] as number) > 60
}

function render(pixels: Uint8Array, v: BoxVariation): Float32Array {
  const out = new Float32Array(SIZE * SIZE * 3)
  renderBoxVariation(pixels, 0, SIZE, out, 0, v)
  return out
}

describe('box augmentation', () => {
  const box: DetectionBox = { classIndex: 0, bbox: [10, 18, 20, 14], iscrowd: 0 }
  const pixels = imageWith(box.bbox)

  it('keeps a drawn rectangle under its moved box for every variation', () => {
    const random = seededRandom(3)
    let checked = 0
    for (let n = 0; n < 40; n++) {
      const v = drawBoxVariation(random, SIZE)
      const out = render(pixels, v)
      const [moved] = moveBoxes([box], SIZE, v)
      if (!moved) continue
      checked++
      const [x, y, w, h] = moved.bbox
      // One pixel of slack each way for bilinear edges.
      for (let py = 0; py < SIZE; py++)
        for (let px = 0; px < SIZE; px++) {
          const cx = px + 0.5
          const cy = py + 0.5
          const inside = cx > x + 1 && cx < x + w - 1 && cy > y + 1 && cy < y + h - 1
          const outside = cx < x - 1 || cx > x + w + 1 || cy < y - 1 || cy > y + h + 1
          if (inside) expect(isRed(out, px, py), `variation ${n} at ${px},${py}`).toBe(true)
          if (outside) expect(isRed(out, px, py), `variation ${n} at ${px},${py}`).toBe(false)
        }
    }
    expect(checked).toBeGreaterThan(30)
  })

  it('mirrors boxes and drops ones mostly cut off, keeping crowd regions', () => {
    const mirror: BoxVariation = {
      mirror: true,
      scale: 1,
      shiftX: 0,
      shiftY: 0,
      brightness: 1,
      contrast: 1,
    }
    expect(moveBoxes([box], SIZE, mirror)[0]?.bbox).toEqual([34, 18, 20, 14])
    // Zoomed 1.5× towards the far corner: 13% of the box stays in the frame.
    const zoom: BoxVariation = { ...mirror, mirror: false, scale: 1.5, shiftX: -32, shiftY: -32 }
    const edge: DetectionBox = { classIndex: 1, bbox: [15, 15, 10, 10], iscrowd: 0 }
    expect(moveBoxes([edge], SIZE, zoom)).toEqual([])
    expect(moveBoxes([{ ...edge, iscrowd: 1 }], SIZE, zoom)).toHaveLength(1)
    const clipped = moveBoxes([{ ...edge, bbox: [22, 22, 20, 20] }], SIZE, zoom)[0]
    expect(clipped?.bbox).toEqual([1, 1, 30, 30])
  })

  it('zooms between 0.75× and 1.33×, over the whole range', () => {
    // Wider (0.6–1.5×) shrank the demo's smallest objects to about one heatmap cell.
    const random = seededRandom(5)
    const scales = Array.from({ length: 500 }, () => drawBoxVariation(random, SIZE).scale)
    for (const scale of scales) {
      expect(scale).toBeGreaterThanOrEqual(0.75)
      expect(scale).toBeLessThanOrEqual(1.33)
    }
    expect(Math.min(...scales)).toBeLessThan(0.77)
    expect(Math.max(...scales)).toBeGreaterThan(1.3)
  })

  it('is reproducible from its seed', () => {
    const a = render(pixels, drawBoxVariation(seededRandom(9), SIZE))
    const b = render(pixels, drawBoxVariation(seededRandom(9), SIZE))
    const c = render(pixels, drawBoxVariation(seededRandom(10), SIZE))
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
  })
})
