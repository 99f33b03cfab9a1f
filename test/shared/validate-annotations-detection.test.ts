import { describe, expect, it } from 'vitest'
import type { Finding, FindingCode } from '../../src-shared/annotation-report'
import {
  NO_LABEL,
  validateAnnotations,
  type ImageFileFacts,
  type ValidateOptions,
} from '../../src-shared/validate-annotations'

interface Doc {
  info: unknown
  categories: Record<string, unknown>[]
  images: Record<string, unknown>[]
  annotations: Record<string, unknown>[]
}

/** Two 100×80 images, two categories, one box each of both (with area and iscrowd given). */
function validDoc(): Doc {
  return {
    info: {},
    categories: [
      { id: 1, name: 'circle' },
      { id: 2, name: 'square' },
    ],
    images: [
      { id: 1, file_name: 'a.jpg', width: 100, height: 80 },
      { id: 2, file_name: 'b.jpg', width: 100, height: 80 },
    ],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 20, 20], area: 300, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 2, bbox: [50, 30, 30, 30], area: 900, iscrowd: 0 },
      { id: 3, image_id: 2, category_id: 1, bbox: [5, 5, 40, 30], area: 1200, iscrowd: 0 },
      { id: 4, image_id: 2, category_id: 2, bbox: [60, 10, 25, 25], area: 625, iscrowd: 0 },
    ],
  }
}

function files(...extra: string[]): Map<string, ImageFileFacts> {
  return new Map(
    ['a.jpg', 'b.jpg', ...extra].map((name) => [
      name,
      { bytes: 1000, width: 100, height: 80, readable: true },
    ]),
  )
}

function run(doc: Doc, options: Partial<ValidateOptions> = {}) {
  return validateAnnotations(JSON.stringify(doc), {
    trainType: 'obj_detection',
    minImagesPerClass: 1,
    files: files(),
    ...options,
  })
}

function only(findings: Finding[], code: FindingCode): Finding[] {
  return findings.filter((finding) => finding.code === code)
}

function codes(findings: Finding[]): [FindingCode, string, string | undefined][] {
  return findings.map((f) => [f.code, f.severity, f.path])
}

describe('validateAnnotations for obj_detection', () => {
  it('passes a clean set and carries every box per image', () => {
    const { report, dataset } = run(validDoc())
    expect(report.findings).toEqual([])
    expect(report.stats).toMatchObject({ negativeImages: 0, imagesPerClass: { circle: 2 } })
    expect(dataset?.items).toEqual([
      {
        imageId: 1,
        fileName: 'a.jpg',
        label: 0,
        boxes: [
          { categoryId: 1, bbox: [10, 10, 20, 20], area: 300, iscrowd: 0 },
          { categoryId: 2, bbox: [50, 30, 30, 30], area: 900, iscrowd: 0 },
        ],
        width: 100,
        height: 80,
      },
      {
        imageId: 2,
        fileName: 'b.jpg',
        label: 0,
        boxes: [
          { categoryId: 1, bbox: [5, 5, 40, 30], area: 1200, iscrowd: 0 },
          { categoryId: 2, bbox: [60, 10, 25, 25], area: 625, iscrowd: 0 },
        ],
        width: 100,
        height: 80,
      },
    ])
  })

  it('BBOX_INVALID for a missing or malformed bbox, at its path', () => {
    const bad: unknown[] = [
      undefined,
      [1, 2, 3],
      [1, 2, 3, 4, 5],
      '1,2,3,4',
      [1, 2, '3', 4],
      [1, 2, null, 4],
      [1, 2, 0, 4],
      [1, 2, 4, -1],
    ]
    for (const bbox of bad) {
      const doc = validDoc()
      const annotation = doc.annotations[2] as Record<string, unknown>
      if (bbox === undefined) delete annotation.bbox
      else annotation.bbox = bbox
      const { report, dataset } = run(doc)
      expect(codes(report.findings), JSON.stringify(bbox)).toEqual([
        ['BBOX_INVALID', 'error', '$.annotations[2].bbox'],
      ])
      expect(dataset).toBeUndefined()
    }
    // Non-finite numbers cannot come from JSON text; the check still refuses them.
    const { report } = validateAnnotations(
      JSON.stringify(validDoc()).replace('[5,5,40,30]', '[5,5,1e999,30]'),
      { trainType: 'obj_detection', minImagesPerClass: 1, files: files() },
    )
    expect(codes(report.findings)).toEqual([['BBOX_INVALID', 'error', '$.annotations[2].bbox']])
  })

  it('BBOX_OUTSIDE_IMAGE when the box lies wholly outside, touching edges included', () => {
    for (const bbox of [
      [100, 10, 10, 10],
      [-20, 10, 20, 10],
      [10, 80, 5, 5],
      [200, 200, 5, 5],
    ]) {
      const doc = validDoc()
      ;(doc.annotations[1] as Record<string, unknown>).bbox = bbox
      const { report, dataset } = run(doc)
      expect(codes(report.findings), JSON.stringify(bbox)).toEqual([
        ['BBOX_OUTSIDE_IMAGE', 'error', '$.annotations[1].bbox'],
      ])
      expect(report.findings[0]?.file).toBe('a.jpg')
      expect(dataset).toBeUndefined()
    }
  })

  it('BBOX_CLIPPED: a box partly outside is clipped, and the dataset holds the clipped box', () => {
    const doc = validDoc()
    ;(doc.annotations[1] as Record<string, unknown>).bbox = [70, 60, 50, 40]
    ;(doc.annotations[2] as Record<string, unknown>).bbox = [-10, -5, 40, 30]
    // Rounding in whatever wrote the file is no reason to warn.
    ;(doc.annotations[3] as Record<string, unknown>).bbox = [60, 10, 40.001, 25]
    const { report, dataset } = run(doc)
    expect(codes(report.findings)).toEqual([
      ['BBOX_CLIPPED', 'warning', '$.annotations[1].bbox'],
      ['BBOX_CLIPPED', 'warning', '$.annotations[2].bbox'],
    ])
    expect(report.findings[0]?.message).toContain('clipped to [70, 60, 30, 20]')
    expect(report.ok).toBe(true)
    const boxes = dataset?.items.flatMap((item) => item.boxes ?? []).map((box) => box.bbox)
    expect(boxes).toEqual([
      [10, 10, 20, 20],
      [70, 60, 30, 20],
      [0, 0, 30, 25],
      [60, 10, 40, 25],
    ])
  })

  it('judges boxes by the measured file when the entry gives no size', () => {
    const doc = validDoc()
    delete (doc.images[0] as Record<string, unknown>).width
    ;(doc.annotations[1] as Record<string, unknown>).bbox = [90, 30, 30, 30]
    const { report } = run(doc)
    expect(codes(report.findings)).toEqual([
      ['MISSING_FIELD', 'warning', '$.images[0].width'],
      ['BBOX_CLIPPED', 'warning', '$.annotations[1].bbox'],
    ])
  })

  it('honours area: given areas are kept; missing ones become w×h, said once', () => {
    const doc = validDoc()
    ;(doc.annotations[0] as Record<string, unknown>).area = 0
    delete (doc.annotations[1] as Record<string, unknown>).area
    delete (doc.annotations[3] as Record<string, unknown>).area
    const { report, dataset } = run(doc)
    expect(codes(report.findings)).toEqual([['AREA_MISSING', 'warning', '$.annotations[1].area']])
    expect(report.findings[0]?.message).toContain('2 annotations have no "area"')
    const areas = dataset?.items.flatMap((item) => item.boxes ?? []).map((box) => box.area)
    expect(areas).toEqual([0, 900, 1200, 625])
  })

  it('WRONG_TYPE for an area that is not a number ≥ 0, or an iscrowd that is not 0 or 1', () => {
    const doc = validDoc()
    ;(doc.annotations[0] as Record<string, unknown>).area = -1
    ;(doc.annotations[1] as Record<string, unknown>).area = '900'
    ;(doc.annotations[2] as Record<string, unknown>).iscrowd = true
    ;(doc.annotations[3] as Record<string, unknown>).iscrowd = 2
    const { report, dataset } = run(doc)
    expect(dataset).toBeUndefined()
    expect(codes(only(report.findings, 'WRONG_TYPE'))).toEqual([
      ['WRONG_TYPE', 'error', '$.annotations[0].area'],
      ['WRONG_TYPE', 'error', '$.annotations[1].area'],
      ['WRONG_TYPE', 'error', '$.annotations[2].iscrowd'],
      ['WRONG_TYPE', 'error', '$.annotations[3].iscrowd'],
    ])
  })

  it('keeps crowd regions as crowd: in the boxes, but not an object of their class', () => {
    const doc = validDoc()
    doc.categories.push({ id: 3, name: 'star' })
    // A crowd region is often many small objects; neither tiny nor duplicate rules apply to it.
    doc.annotations.push(
      { id: 5, image_id: 1, category_id: 3, bbox: [0, 0, 100, 80], area: 4000, iscrowd: 1 },
      { id: 6, image_id: 1, category_id: 3, bbox: [0, 0, 100, 80], area: 4000, iscrowd: 1 },
      { id: 7, image_id: 2, category_id: 1, bbox: [1, 1, 1, 1], area: 1, iscrowd: 1 },
    )
    const { report, dataset } = run(doc)
    expect(codes(report.findings)).toEqual([
      ['CATEGORY_WITHOUT_BOXES', 'warning', '$.categories[2]'],
    ])
    expect(dataset?.classes.map((c) => c.name)).toEqual(['circle', 'square'])
    expect(dataset?.items[0]?.boxes?.[2]).toEqual({
      categoryId: 3,
      bbox: [0, 0, 100, 80],
      area: 4000,
      iscrowd: 1,
    })
    expect(dataset?.items[1]?.boxes?.filter((box) => box.iscrowd === 1)).toHaveLength(1)
    expect(report.stats.imagesPerClass).toEqual({ circle: 2, square: 2, star: 0 })
  })

  it('allows images without boxes as negatives, counted, with no label', () => {
    const doc = validDoc()
    doc.images.push({ id: 3, file_name: 'c.jpg', width: 100, height: 80 })
    doc.images.push({ id: 4, file_name: 'd.jpg', width: 100, height: 80 })
    const { report, dataset } = run(doc, { files: files('c.jpg', 'd.jpg') })
    expect(report.findings).toEqual([])
    expect(report.stats.negativeImages).toBe(2)
    expect(dataset?.items.slice(2)).toEqual([
      { imageId: 3, fileName: 'c.jpg', label: NO_LABEL, boxes: [], width: 100, height: 80 },
      { imageId: 4, fileName: 'd.jpg', label: NO_LABEL, boxes: [], width: 100, height: 80 },
    ])
  })

  it('CATEGORY_WITHOUT_BOXES for a category no box uses; it is left out of the classes', () => {
    const doc = validDoc()
    doc.categories.push({ id: 9, name: 'star' })
    const { report, dataset } = run(doc)
    expect(codes(report.findings)).toEqual([
      ['CATEGORY_WITHOUT_BOXES', 'warning', '$.categories[2]'],
    ])
    expect(only(report.findings, 'TOO_FEW_IMAGES')).toEqual([])
    expect(dataset?.classes.map((c) => c.categoryId)).toEqual([1, 2])
  })

  it('BBOX_TINY for a side under 2 px or an area under 16 px²', () => {
    const doc = validDoc()
    ;(doc.annotations[0] as Record<string, unknown>).bbox = [10, 10, 1.5, 40]
    ;(doc.annotations[1] as Record<string, unknown>).bbox = [50, 30, 3, 5]
    ;(doc.annotations[2] as Record<string, unknown>).bbox = [5, 5, 4, 4] // 16 px²: not tiny
    // Tiny only once clipped to the image.
    ;(doc.annotations[3] as Record<string, unknown>).bbox = [99, 10, 25, 25]
    const { report } = run(doc)
    expect(codes(report.findings)).toEqual([
      ['BBOX_TINY', 'warning', '$.annotations[0].bbox'],
      ['BBOX_TINY', 'warning', '$.annotations[1].bbox'],
      ['BBOX_CLIPPED', 'warning', '$.annotations[3].bbox'],
      ['BBOX_TINY', 'warning', '$.annotations[3].bbox'],
    ])
    expect(report.ok).toBe(true)
  })

  it('BBOX_DUPLICATE for the later of two boxes of one image and category with IoU > 0.95', () => {
    const doc = validDoc()
    doc.annotations.push(
      // IoU 400/410 ≈ 0.976 with annotations[0]: a duplicate.
      { id: 5, image_id: 1, category_id: 1, bbox: [10, 10, 20.5, 20], area: 410 },
      // IoU 0.9 with annotations[0]: only overlapping.
      { id: 6, image_id: 1, category_id: 1, bbox: [10, 12, 20, 18], area: 360 },
      // The same box in another category, and in another image: not duplicates.
      { id: 7, image_id: 1, category_id: 2, bbox: [10, 10, 20, 20], area: 400 },
      { id: 8, image_id: 2, category_id: 1, bbox: [10, 10, 20, 20], area: 400 },
    )
    const { report, dataset } = run(doc)
    expect(codes(report.findings)).toEqual([['BBOX_DUPLICATE', 'warning', '$.annotations[4].bbox']])
    expect(report.findings[0]?.message).toContain('annotations[0]')
    // Warnings only: the boxes stay.
    expect(dataset?.items[0]?.boxes).toHaveLength(5)
  })

  it('leaves classification blind to boxes, however broken', () => {
    const doc = validDoc()
    doc.annotations = doc.annotations.filter((a) => a.id === 1 || a.id === 4)
    ;(doc.annotations[0] as Record<string, unknown>).bbox = 'nonsense'
    ;(doc.annotations[1] as Record<string, unknown>).bbox = [500, 500, 1, 1]
    const { report, dataset } = run(doc, { trainType: 'classification' })
    expect(report.findings).toEqual([])
    expect(report.stats.negativeImages).toBeUndefined()
    expect(dataset?.items).toEqual([
      { imageId: 1, fileName: 'a.jpg', label: 0 },
      { imageId: 2, fileName: 'b.jpg', label: 1 },
    ])
  })
})
