// Detection targets: a peak of 1 at each object's centre cell with its size and offset there, a
// Gaussian around it of CenterNet's radius, and crowd regions left out of the heatmap loss.

import { describe, expect, it } from 'vitest'
import { detectionTargets, gaussianRadius } from '../../../src-main/engine/tasks/detection/targets'

describe('detection targets', () => {
  it('puts the peak, size and offset at the centre cell', () => {
    const t = detectionTargets([[{ classIndex: 1, bbox: [8, 4, 20, 12], iscrowd: 0 }]], {
      inputSize: 32,
      stride: 4,
      classes: 2,
    })
    // Centre (18, 10) px = (4.5, 2.5) cells: cell (col 4, row 2), offset (0.5, 0.5).
    const cell = 2 * 8 + 4
    expect(t.heatmap[cell * 2 + 1]).toBe(1)
    expect(t.centres[cell * 2 + 1]).toBe(1)
    expect(t.heatmap[cell * 2]).toBe(0)
    expect([t.size[cell * 2], t.size[cell * 2 + 1]]).toEqual([5, 3])
    expect([t.offset[cell * 2], t.offset[cell * 2 + 1]]).toEqual([0.5, 0.5])
    expect(t.centreMask[cell]).toBe(1)
    expect(t.objects).toBe(1)
    // A neighbour is below the peak but above zero when the radius reaches it.
    const radius = Math.floor(gaussianRadius(3, 5))
    expect(radius).toBeGreaterThanOrEqual(1)
    const neighbour = t.heatmap[(cell + 1) * 2 + 1] as number
    expect(neighbour).toBeGreaterThan(0)
    expect(neighbour).toBeLessThan(1)
  })

  it('masks crowd regions out of the heatmap loss and gives them no peak', () => {
    const t = detectionTargets([[{ classIndex: 0, bbox: [0, 0, 16, 16], iscrowd: 1 }]], {
      inputSize: 32,
      stride: 4,
      classes: 1,
    })
    expect(t.objects).toBe(0)
    expect(Math.max(...t.heatmap)).toBe(0)
    expect(t.weight[0]).toBe(0)
    expect(t.weight[3 * 8 + 3]).toBe(0)
    expect(t.weight[4 * 8 + 4]).toBe(1)
  })

  it('follows CenterNet for the radius (min overlap 0.7)', () => {
    // For a 10×10 box the third case (both corners inside) is the smallest: (−28 + √1120) / 2.
    expect(gaussianRadius(10, 10)).toBeCloseTo(2.7332, 3)
  })
})
