import { describe, expect, it } from 'vitest'
import { COCO_AREA_RANGES } from '../../../src-main/engine/evaluation/coco-eval-params'
import { evaluateImage } from '../../../src-main/engine/evaluation/coco-eval-image'

const ALL = COCO_AREA_RANGES[0]!
const LARGE = COCO_AREA_RANGES[3]!

function image(options: {
  ious: number[][]
  gtAreas: number[]
  gtCrowd?: number[]
  dtAreas?: number[]
  thresholds?: number[]
  range?: typeof ALL
}) {
  const D = options.ious.length
  return evaluateImage({
    imageId: 1,
    categoryId: 1,
    dtScores: Float64Array.from({ length: D }, (_, d) => 1 - d * 0.1),
    dtAreas: Float64Array.from(options.dtAreas ?? Array.from({ length: D }, () => 100)),
    gtAreas: Float64Array.from(options.gtAreas),
    gtCrowd: Uint8Array.from(options.gtCrowd ?? options.gtAreas.map(() => 0)),
    ious: options.ious.map((row) => Float64Array.from(row)),
    iouThresholds: options.thresholds ?? [0.5],
    areaRange: options.range ?? ALL,
  })
}

describe('COCO per-image matching', () => {
  it('lets a crowd region take many detections and ignores them all', () => {
    const e = image({ ious: [[1], [0.9], [0.6]], gtAreas: [5000], gtCrowd: [1] })
    expect([...e.dtMatched]).toEqual([1, 1, 1])
    expect([...e.dtIgnore]).toEqual([1, 1, 1])
    expect([...e.gtIgnore]).toEqual([1])
  })

  it('matches an out-of-range regular ground truth only once', () => {
    // Area 400 is outside "large": ignored, but unlike a crowd it takes one detection only.
    const e = image({ ious: [[1], [1]], gtAreas: [400], range: LARGE, dtAreas: [400, 10000] })
    expect([...e.dtMatched]).toEqual([1, 0])
    // The second is unmatched and large, so it counts (as false); the first is ignored.
    expect([...e.dtIgnore]).toEqual([1, 0])
  })

  it('prefers a regular ground truth over a better-overlapping ignored one', () => {
    // Ground truth 0 is a crowd (IoU 1), ground truth 1 regular (IoU 0.7): crowds sort last,
    // and once the regular one is matched the search stops before the crowd.
    const e = image({ ious: [[1, 0.7]], gtAreas: [10000, 100], gtCrowd: [1, 0] })
    expect([...e.gtIgnore]).toEqual([0, 1])
    expect([...e.gtMatched]).toEqual([1, 0])
    expect([...e.dtIgnore]).toEqual([0])
    // Above 0.7 the regular one fails and the crowd takes the detection, which is ignored.
    const strict = image({
      ious: [[1, 0.7]],
      gtAreas: [10000, 100],
      gtCrowd: [1, 0],
      thresholds: [0.75],
    })
    expect([...strict.gtMatched]).toEqual([0, 1])
    expect([...strict.dtIgnore]).toEqual([1])
  })

  it('picks the best not-yet-matched ground truth, and the later one on equal IoU', () => {
    const best = image({ ious: [[0.6, 0.9, 0.7]], gtAreas: [100, 100, 100] })
    expect([...best.gtMatched]).toEqual([0, 1, 0])
    const tied = image({ ious: [[0.8, 0.8]], gtAreas: [100, 100] })
    expect([...tied.gtMatched]).toEqual([0, 1])
    // Greedy in score order: the first detection takes the shared best, the second the rest.
    const greedy = image({
      ious: [
        [0.9, 0.6],
        [0.95, 0.55],
      ],
      gtAreas: [100, 100],
    })
    expect([...greedy.gtMatched]).toEqual([1, 1])
    expect([...greedy.dtMatched]).toEqual([1, 1])
  })

  it('needs IoU at or above the threshold, and a perfect box meets a threshold of 1', () => {
    const e = image({
      ious: [
        [0.5, 0],
        [0, 0.4999],
      ],
      gtAreas: [100, 100],
    })
    expect([...e.dtMatched]).toEqual([1, 0])
    const perfect = image({ ious: [[1]], gtAreas: [100], thresholds: [1] })
    expect([...perfect.dtMatched]).toEqual([1])
  })

  it('ignores unmatched detections outside the range, with inclusive bounds', () => {
    const small = COCO_AREA_RANGES[1]!
    const e = image({
      ious: [[0], [0], [0]],
      gtAreas: [100],
      dtAreas: [1024, 1025, 0],
      range: small,
    })
    expect([...e.dtIgnore]).toEqual([0, 1, 0])
  })
})
