import { describe, expect, it } from 'vitest'
import { apart, dt, evaluate, gt, rounded } from './coco-cases'

const A: [number, number, number, number] = [0, 0, 10, 10]
const B: [number, number, number, number] = [50, 50, 10, 10]
const NOWHERE: [number, number, number, number] = [200, 200, 10, 10]

describe('COCO evaluation, rule by rule', () => {
  it('gives AP and AR 1 for a single perfect detection, -1 for areas without objects', () => {
    const { stats } = evaluate([gt(1, A)], [dt(1, A, 0.9)])
    expect(rounded({ ...stats })).toEqual({
      ap: 1,
      ap50: 1,
      ap75: 1,
      apSmall: 1,
      apMedium: -1,
      apLarge: -1,
      ar1: 1,
      ar10: 1,
      ar100: 1,
      arSmall: 1,
      arMedium: -1,
      arLarge: -1,
    })
  })

  it('interpolates precision from the right when a false detection outranks a hit', () => {
    // Ranked: hit on A, false, hit on B. Recall .5 .5 1, precision 1 .5 2/3; made monotone
    // from the right 1 2/3 2/3. Points 0–.50 (51) take 1, points .51–1 (50) take 2/3.
    const report = evaluate(
      [gt(1, A), gt(1, B)],
      [dt(1, A, 0.9), dt(1, NOWHERE, 0.8), dt(1, B, 0.7)],
    )
    expect(report.stats.ap).toBeCloseTo((51 + 50 * (2 / 3)) / 101, 12)
    expect(report.stats.ap50).toBeCloseTo(253 / 303, 12)
    const curve = report.curves[0]!
    expect(curve.precision.slice(0, 51).every((p) => Math.abs(p - 1) < 1e-12)).toBe(true)
    expect(curve.precision.slice(51).every((p) => Math.abs(p - 2 / 3) < 1e-12)).toBe(true)
    // Recall is the last cumulative hits over the objects; with one detection, only A.
    expect(report.stats.ar100).toBeCloseTo(1, 12)
    expect(report.stats.ar1).toBeCloseTo(0.5, 12)
  })

  it('ignores detections on a crowd region, however many, and matches crowds last', () => {
    const crowd = gt(1, [0, 0, 100, 100], { crowd: true })
    const person = gt(1, [300, 300, 10, 10])
    const inside = [dt(1, [10, 10, 20, 20], 0.9), dt(1, [50, 50, 20, 20], 0.8)]
    const report = evaluate([crowd, person], [...inside, dt(1, [300, 300, 10, 10], 0.7)])
    // Without the crowd rule the two inside would be false detections above the hit.
    expect(report.stats.ap).toBeCloseTo(1, 12)
    expect(report.stats.ar100).toBeCloseTo(1, 12)
    expect(report.imageErrors).toEqual([])
    // A box of 10×12 over a regular 10×10 (IoU 100/120) inside the crowd (IoU 1): a hit up
    // to .80, the crowd's (ignored) from .85, with the object then missed: AP 7/10.
    const both = evaluate(
      [gt(1, [0, 0, 100, 100], { crowd: true }), gt(1, [0, 0, 10, 10])],
      [dt(1, [0, 0, 10, 12], 0.9)],
    )
    expect(both.stats.ap).toBeCloseTo(0.7, 12)
    expect(both.stats.ar100).toBeCloseTo(0.7, 12)
  })

  it('takes ground-truth area from the annotation, with inclusive bounds at 1024 and 9216', () => {
    // The boxes are small (100); the annotations' areas decide.
    const at1024 = evaluate([gt(1, A, { area: 1024 })], [dt(1, A, 0.9)]).stats
    expect(rounded([at1024.apSmall, at1024.apMedium, at1024.apLarge])).toEqual([1, 1, -1])
    const at9216 = evaluate([gt(1, A, { area: 9216 })], [dt(1, A, 0.9)]).stats
    expect(rounded([at9216.apSmall, at9216.apMedium, at9216.apLarge])).toEqual([-1, 1, 1])
    expect(rounded([at9216.arSmall, at9216.arMedium, at9216.arLarge])).toEqual([-1, 1, 1])
  })

  it('counts an unmatched detection of area 1024 as false in "small", ignores one of 1025', () => {
    const truth = [gt(1, [0, 0, 20, 20])]
    const edge = evaluate(truth, [dt(1, [50, 50, 32, 32], 0.9), dt(1, [0, 0, 20, 20], 0.8)])
    expect(edge.stats.apSmall).toBeCloseTo(0.5, 12)
    const over = evaluate(truth, [dt(1, [50, 50, 25, 41], 0.9), dt(1, [0, 0, 20, 20], 0.8)])
    expect(over.stats.apSmall).toBeCloseTo(1, 12)
    // In "all" both are false detections above the hit.
    expect(over.stats.ap).toBeCloseTo(0.5, 12)
  })

  it('cuts each image to its 100 best detections before matching', () => {
    const boxes = apart(101, 500)
    const falses = boxes.map((b, i) => dt(1, b, 0.99 - i * 0.001)).slice(0, 100)
    const cut = evaluate([gt(1, A)], [...falses, dt(1, A, 0.5)])
    expect(cut.stats.ap).toBe(0)
    expect(cut.stats.ar100).toBe(0)
    // Cut before matching, the 101st never takes the object, which stays missed.
    expect(cut.imageErrors).toEqual([{ imageId: 1, missed: 1, falseDetections: 100 }])
    // One more place and the hit is in: recall 1 at rank 101 of 101.
    const kept = evaluate([gt(1, A)], [...falses.slice(1), dt(1, A, 0.5)]).stats
    expect(kept.ar100).toBeCloseTo(1, 12)
    expect(kept.ap).toBeCloseTo(1 / 100, 12)
  })

  it('counts maxDets 1 and 10 per image', () => {
    const two = [gt(1, A), gt(1, B), gt(2, A)]
    const { stats } = evaluate(two, [dt(1, A, 0.9), dt(1, B, 0.8), dt(2, A, 0.7)])
    // maxDets 1: image 1 keeps only its top hit, image 2 its one. Recall per threshold 2/3.
    expect(stats.ar1).toBeCloseTo(2 / 3, 12)
    expect(stats.ar10).toBeCloseTo(1, 12)
  })

  it('keeps the input order for tied scores, within an image and across images', () => {
    const falseFirst = evaluate([gt(1, A)], [dt(1, NOWHERE, 0.5), dt(1, A, 0.5)])
    expect(falseFirst.stats.ap).toBeCloseTo(0.5, 12)
    const hitFirst = evaluate([gt(1, A)], [dt(1, A, 0.5), dt(1, NOWHERE, 0.5)])
    expect(hitFirst.stats.ap).toBeCloseTo(1, 12)
    // Across images the order is the images' ids, whatever order they are given in.
    const lowerIdHit = evaluate([gt(1, A)], [dt(2, NOWHERE, 0.5), dt(1, A, 0.5)], {
      imageIds: [2, 1],
    })
    expect(lowerIdHit.stats.ap).toBeCloseTo(1, 12)
    const lowerIdFalse = evaluate([gt(2, A)], [dt(2, A, 0.5), dt(1, NOWHERE, 0.5)], {
      imageIds: [2, 1],
    })
    expect(lowerIdFalse.stats.ap).toBeCloseTo(0.5, 12)
  })

  it('leaves categories without ground truth out of the means', () => {
    const report = evaluate(
      [gt(1, A, { category: 1 })],
      [dt(1, A, 0.9, 1), dt(1, B, 0.95, 2), dt(2, B, 0.9, 2)],
      { categoryIds: [1, 2, 3] },
    )
    expect(report.stats.ap).toBeCloseTo(1, 12)
    expect(report.stats.ar100).toBeCloseTo(1, 12)
    expect(report.perClass.map((c) => rounded({ ...c }))).toEqual([
      { categoryId: 1, ap: 1, ap50: 1 },
      { categoryId: 2, ap: null, ap50: null },
      { categoryId: 3, ap: null, ap50: null },
    ])
    expect(report.curves.map((c) => c.categoryId)).toEqual([1])
  })

  it('gives per-class AP and AP50 apart', () => {
    // Category 1: perfect. Category 2: a 10×15 box on a 10×10 object, IoU 2/3: a hit at
    // .50–.65 (4 thresholds), missed beyond.
    const report = evaluate(
      [gt(1, A, { category: 1 }), gt(1, B, { category: 2 })],
      [dt(1, A, 0.9, 1), dt(1, [50, 50, 10, 15], 0.8, 2)],
      { categoryIds: [1, 2] },
    )
    expect(rounded({ ...report.perClass[0]! })).toEqual({ categoryId: 1, ap: 1, ap50: 1 })
    expect(report.perClass[1]!.ap).toBeCloseTo(0.4, 12)
    expect(report.perClass[1]!.ap50).toBeCloseTo(1, 12)
    expect(report.stats.ap).toBeCloseTo(0.7, 12)
  })

  it('scores an image of false detections only against the others, and lists errors', () => {
    // Image 2 has no objects and one false detection ranked first; image 3's object is
    // missed. Ranked: false, hit; recall 0 .5, precision 0 .5 → .5 up to recall .5, then 0.
    const report = evaluate([gt(1, A), gt(3, B)], [dt(2, A, 0.9), dt(1, A, 0.8)], {
      imageIds: [1, 2, 3],
    })
    expect(report.stats.ap50).toBeCloseTo((51 * 0.5) / 101, 12)
    expect(report.curves[0]!.precision.slice(51).every((p) => p === 0)).toBe(true)
    expect(report.stats.ar100).toBeCloseTo(0.5, 12)
    expect(report.imageErrors).toEqual([
      { imageId: 2, missed: 0, falseDetections: 1 },
      { imageId: 3, missed: 1, falseDetections: 0 },
    ])
  })
})
