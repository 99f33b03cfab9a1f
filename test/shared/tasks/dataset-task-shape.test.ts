// A dataset asked to train as the other kind of model fails with one clear finding: boxes with
// several objects per image are no classification set, and a set without boxes no detection set.
// A classification set exported with one box per image stays a classification set.

import { describe, expect, it } from 'vitest'
import { validateAnnotations, type ImageFileFacts } from '../../../src-shared/validate-annotations'
import type { TrainType } from '../../../src-shared/train-params'

const FILES = new Map<string, ImageFileFacts>(
  ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg'].map((name) => [
    name,
    { bytes: 1000, width: 100, height: 80, readable: true },
  ]),
)

function doc(annotations: Record<string, unknown>[]): string {
  return JSON.stringify({
    info: {},
    categories: [
      { id: 1, name: 'circle' },
      { id: 2, name: 'square' },
    ],
    images: ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg'].map((file_name, i) => ({
      id: i + 1,
      file_name,
      width: 100,
      height: 80,
    })),
    annotations: annotations.map((a, i) => ({ id: i + 1, ...a })),
  })
}

const box = (image_id: number, category_id: number, x: number) => ({
  image_id,
  category_id,
  bbox: [x, 10, 20, 20],
  area: 400,
  iscrowd: 0,
})

/** Four images with two or three boxes each: a detection set. */
const DETECTION = doc([
  box(1, 1, 5),
  box(1, 2, 50),
  box(2, 1, 5),
  box(2, 1, 50),
  box(3, 2, 5),
  box(3, 2, 40),
  box(3, 1, 70),
  box(4, 2, 5),
  box(4, 1, 60),
])

/** One label per image and no boxes: a classification set. */
const CLASSIFICATION = doc([
  { image_id: 1, category_id: 1 },
  { image_id: 2, category_id: 1 },
  { image_id: 3, category_id: 2 },
  { image_id: 4, category_id: 2 },
])

/** The detection set with a square polygon mask on every box: a segmentation set. */
const SEGMENTATION = doc(
  (JSON.parse(DETECTION) as { annotations: { bbox: number[] }[] }).annotations.map(
    ({ bbox: [x = 0, y = 0, w = 0, h = 0], ...rest }) => ({
      ...rest,
      bbox: [x, y, w, h],
      segmentation: [[x, y, x + w, y, x + w, y + h, x, y + h]],
    }),
  ),
)

function mismatches(text: string, trainType: TrainType) {
  const { report } = validateAnnotations(text, { trainType, files: FILES, minImagesPerClass: 1 })
  return report.findings.filter((f) => f.code === 'TRAIN_TYPE_MISMATCH')
}

describe('train type mismatch', () => {
  it('refuses a detection set as classification, naming the train type to use', () => {
    const found = mismatches(DETECTION, 'classification')
    expect(found).toEqual([
      expect.objectContaining({
        severity: 'error',
        path: '$.annotations',
        message: expect.stringContaining('train_type=obj_detection'),
      }),
    ])
    expect(mismatches(DETECTION, 'obj_detection')).toEqual([])
  })

  it('refuses a set without boxes as obj_detection, naming classification', () => {
    const found = mismatches(CLASSIFICATION, 'obj_detection')
    expect(found).toHaveLength(1)
    expect(found[0]?.message).toContain('train_type=classification')
    expect(mismatches(CLASSIFICATION, 'classification')).toEqual([])
  })

  it('keeps a classification set exported with one box per image a classification set', () => {
    const boxed = doc([box(1, 1, 5), box(2, 1, 5), box(3, 2, 5), box(4, 2, 5)])
    expect(mismatches(boxed, 'classification')).toEqual([])
    const { report } = validateAnnotations(boxed, {
      trainType: 'classification',
      files: FILES,
      minImagesPerClass: 1,
    })
    expect(report.ok).toBe(true)
  })

  it('refuses a segmentation set as classification, naming instance_segmentation', () => {
    const found = mismatches(SEGMENTATION, 'classification')
    expect(found).toHaveLength(1)
    expect(found[0]?.message).toContain('train_type=instance_segmentation')
    expect(mismatches(SEGMENTATION, 'instance_segmentation')).toEqual([])
    // Its boxes are there: a detector trains on it.
    expect(mismatches(SEGMENTATION, 'obj_detection')).toEqual([])
  })

  it('refuses a set without a single mask as instance_segmentation', () => {
    const boxesOnly = mismatches(DETECTION, 'instance_segmentation')
    expect(boxesOnly).toHaveLength(1)
    expect(boxesOnly[0]?.message).toContain('train_type=obj_detection')
    const labelsOnly = mismatches(CLASSIFICATION, 'instance_segmentation')
    expect(labelsOnly).toHaveLength(1)
    expect(labelsOnly[0]?.message).toContain('train_type=classification')
  })
})
