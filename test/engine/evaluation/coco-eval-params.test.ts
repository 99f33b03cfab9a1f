import { describe, expect, it } from 'vitest'
import {
  defaultCocoEvalParams,
  linspace,
} from '../../../src-main/engine/evaluation/coco-eval-params'
import { apart, dt, evaluate, gt } from './coco-cases'

describe('COCO evaluation parameters', () => {
  it('makes the IoU thresholds as numpy linspace does, bit for bit', () => {
    const { iouThresholds } = defaultCocoEvalParams()
    // numpy.linspace(.5, .95, 10): the ninth value is one ulp below 0.9, the sixth exactly .75
    // (the summary looks .75 up by equality), and 0.5 + 0.05 * 7 would be 0.8500000000000001.
    expect(iouThresholds).toEqual([
      0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95,
    ])
    expect(iouThresholds[5]).toBe(0.75)
    expect(iouThresholds[8]).not.toBe(0.9)
    expect(iouThresholds[7]).not.toBe(0.5 + 0.05 * 7)
  })

  it('makes the 101 recall points as i * 0.01, not i / 100', () => {
    const { recallThresholds } = defaultCocoEvalParams()
    expect(recallThresholds).toHaveLength(101)
    expect(recallThresholds[0]).toBe(0)
    expect(recallThresholds[100]).toBe(1)
    expect(recallThresholds[35]).toBe(0.35000000000000003)
    expect(recallThresholds[50]).toBe(0.5)
    expect(linspace(0, 1, 101)).toEqual(
      Array.from({ length: 101 }, (_, i) => (i === 100 ? 1 : i * 0.01)),
    )
  })

  it('has maxDets 1/10/100 and the inclusive area ranges', () => {
    const p = defaultCocoEvalParams()
    expect(p.maxDets).toEqual([1, 10, 100])
    expect(p.areaRanges.map((a) => [a.label, a.min, a.max])).toEqual([
      ['all', 0, 1e10],
      ['small', 0, 1024],
      ['medium', 1024, 9216],
      ['large', 9216, 1e10],
    ])
  })

  it('lets a recall of exactly 7/20 fall short of the point 0.35000000000000003', () => {
    // 20 objects; 7 hits, a false detection, one more hit. Recall is exactly 0.35 after the
    // 7th hit, below the 36th point, which so takes the envelope after the 9th detection
    // (8/9). Points 0–34 get 1, points 35–40 get 8/9, points 41–100 get 0.
    const boxes = apart(20)
    const groundTruths = boxes.map((b) => gt(1, b))
    const hits = boxes.slice(0, 8).map((b, i) => dt(1, b, 0.9 - i * 0.01))
    const detections = [...hits.slice(0, 7), dt(1, [0, 500, 10, 10], 0.8), dt(1, boxes[7]!, 0.7)]
    const report = evaluate(groundTruths, detections)
    const expected = (35 * 1 + 6 * (8 / 9)) / 101
    expect(report.stats.ap50).toBeCloseTo(expected, 12)
    // With points i / 100 the 36th point would still get precision 1.
    expect(report.stats.ap50).not.toBeCloseTo((36 + 5 * (8 / 9)) / 101, 6)
  })
})
