// The detector's evaluation on hand-made boxes: per-epoch mAP@.5 in input pixels, and the final
// report in each image's own pixels, with the worst images' boxes scaled back and named.

import { describe, expect, it } from 'vitest'
import { evaluateDetections } from '../../../src-main/engine/tasks/detection/evaluate-detector'
import { validationMap50 } from '../../../src-main/engine/tasks/detection/validation-map'

const classes = [
  { name: 'circle', categoryId: 3 },
  { name: 'star', categoryId: 7 },
]

describe('detector evaluation', () => {
  it('scores exact boxes 1 and a miss 0 at IoU .5', () => {
    const truth = [
      [
        {
          classIndex: 0,
          bbox: [8, 8, 16, 16] as [number, number, number, number],
          iscrowd: 0 as const,
        },
      ],
    ]
    expect(
      validationMap50([[{ classIndex: 0, score: 0.9, bbox: [8, 8, 16, 16] }]], truth, 1),
    ).toBeGreaterThan(0.999)
    expect(
      validationMap50([[{ classIndex: 0, score: 0.9, bbox: [30, 30, 16, 16] }]], truth, 1),
    ).toBe(0)
  })

  it('reports in image pixels, with the worst images named and scaled back', () => {
    const images = [
      {
        file: 'a.jpg',
        width: 200,
        height: 100,
        boxes: [
          {
            classIndex: 1,
            bbox: [100, 50, 50, 25] as [number, number, number, number],
            area: 900,
            iscrowd: 0 as const,
          },
        ],
      },
      {
        file: 'b.jpg',
        width: 64,
        height: 64,
        boxes: [
          {
            classIndex: 0,
            bbox: [0, 0, 10, 10] as [number, number, number, number],
            area: 100,
            iscrowd: 0 as const,
          },
        ],
      },
    ]
    const { coco, worstImages } = evaluateDetections({
      // Image a: found exactly (input 64 px → its 200×100); image b: a false box, its circle missed.
      decoded: [
        [{ classIndex: 1, score: 0.8, bbox: [32, 32, 16, 16] }],
        [{ classIndex: 1, score: 0.7, bbox: [40, 40, 10, 10] }],
      ],
      images,
      classes,
      inputSize: 64,
    })
    expect(coco.perClass.map((c) => c.categoryId)).toEqual([3, 7])
    expect(coco.perClass[1]?.ap50).toBeCloseTo(1, 5)
    expect(coco.perClass[0]?.ap50).toBe(0)
    expect(worstImages).toHaveLength(1)
    expect(worstImages[0]).toMatchObject({
      file: 'b.jpg',
      width: 64,
      height: 64,
      missed: 1,
      falseDetections: 1,
      predicted: [{ categoryId: 7, category: 'star', bbox: [40, 40, 10, 10], score: 0.7 }],
      groundTruth: [{ categoryId: 3, category: 'circle', bbox: [0, 0, 10, 10] }],
    })
  })
})
