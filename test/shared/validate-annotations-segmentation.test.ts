import { describe, expect, it } from 'vitest'
import type { Finding, FindingCode } from '../../src-shared/annotation-report'
import { rleFromPolygon } from '../../src-shared/coco-mask/polygon-to-rle'
import { rleArea, rleEncode, rleToBbox } from '../../src-shared/coco-mask/rle'
import { rleCountsFromString, rleToCompressed } from '../../src-shared/coco-mask/rle-string'
import {
  validateAnnotations,
  type ImageFileFacts,
  type ValidateOptions,
} from '../../src-shared/validate-annotations'

type Record_ = Record<string, unknown>
interface Doc {
  info: unknown
  categories: Record_[]
  images: Record_[]
  annotations: Record_[]
}

const W = 100
const H = 80
const SQUARE = [10, 10, 30, 10, 30, 30, 10, 30]
const TRIANGLE = [50, 20, 90, 20, 70, 60]

/** Two 100×80 images; a square and a triangle, as polygons, with the box and area COCO would write. */
function validDoc(): Doc {
  const shape = (id: number, imageId: number, categoryId: number, polygon: number[]) => {
    const rle = rleFromPolygon(polygon, H, W)
    return {
      id,
      image_id: imageId,
      category_id: categoryId,
      segmentation: [polygon],
      bbox: rleToBbox(rle),
      area: rleArea(rle),
      iscrowd: 0,
    }
  }
  return {
    info: {},
    categories: [
      { id: 1, name: 'square' },
      { id: 2, name: 'triangle' },
    ],
    images: [
      { id: 1, file_name: 'a.png', width: W, height: H },
      { id: 2, file_name: 'b.png', width: W, height: H },
    ],
    annotations: [
      shape(1, 1, 1, SQUARE),
      shape(2, 1, 2, TRIANGLE),
      shape(3, 2, 1, SQUARE),
      shape(4, 2, 2, TRIANGLE),
    ],
  }
}

function files(): Map<string, ImageFileFacts> {
  return new Map(
    ['a.png', 'b.png'].map((name) => [name, { bytes: 1000, width: W, height: H, readable: true }]),
  )
}

function run(doc: Doc, options: Partial<ValidateOptions> = {}) {
  return validateAnnotations(JSON.stringify(doc), {
    trainType: 'instance_segmentation',
    minImagesPerClass: 1,
    files: files(),
    ...options,
  })
}

function found(findings: Finding[], code: FindingCode): Finding[] {
  return findings.filter((finding) => finding.code === code)
}

function annotation(doc: Doc, index: number): Record_ {
  return doc.annotations[index] as Record_
}

describe('instance segmentation masks', () => {
  it('accepts polygons and carries each object’s mask, box and area', () => {
    const { report, dataset } = run(validDoc())
    expect(report.findings).toEqual([])
    expect(report.ok).toBe(true)
    const boxes = dataset?.items[0]?.boxes ?? []
    expect(boxes).toHaveLength(2)
    const square = boxes[0]
    expect(square?.bbox).toEqual(rleToBbox(rleFromPolygon(SQUARE, H, W)))
    expect(square?.mask?.size).toEqual([H, W])
    const counts = rleCountsFromString(square?.mask?.counts ?? '')
    expect(counts.ok && rleArea({ height: H, width: W, counts: counts.counts })).toBe(square?.area)
  })

  it('accepts RLE, uncompressed and compressed, and fills a missing box and area from the mask', () => {
    const mask = new Uint8Array(W * H)
    for (let x = 20; x < 40; x++) for (let y = 5; y < 15; y++) mask[x * H + y] = 1
    const rle = rleEncode(mask, H, W)
    const doc = validDoc()
    annotation(doc, 0).segmentation = { size: [H, W], counts: Array.from(rle.counts) }
    delete annotation(doc, 0).bbox
    delete annotation(doc, 0).area
    annotation(doc, 2).segmentation = rleToCompressed(rle)
    annotation(doc, 2).bbox = [20, 5, 20, 10]
    annotation(doc, 2).area = 200
    const { report, dataset } = run(doc)
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([])
    expect(found(report.findings, 'MASK_BBOX_MISMATCH')).toEqual([])
    const first = dataset?.items[0]?.boxes?.[0]
    expect(first?.bbox).toEqual([20, 5, 20, 10])
    expect(first?.area).toBe(200)
  })

  it('rejects a missing or unreadable segmentation with its JSON path', () => {
    const doc = validDoc()
    delete annotation(doc, 0).segmentation
    annotation(doc, 1).segmentation = { counts: 'abc' }
    annotation(doc, 2).segmentation = { size: [H, W], counts: [1, 2, 3] }
    const { report } = run(doc)
    expect(report.ok).toBe(false)
    expect(found(report.findings, 'SEGMENTATION_MISSING')[0]?.path).toEqual('$.annotations[0]')
    const invalid = found(report.findings, 'SEGMENTATION_INVALID')
    expect(invalid.map((f) => f.path)).toEqual([
      '$.annotations[1].segmentation',
      '$.annotations[2].segmentation.counts',
    ])
  })

  it('rejects polygons with fewer than 3 points or points outside the image beyond 1 px', () => {
    const doc = validDoc()
    annotation(doc, 0).segmentation = [[10, 10, 20, 20]]
    annotation(doc, 1).segmentation = [[50, 20, 90, 20, 70, H + 1.5]]
    annotation(doc, 3).segmentation = [[50, 20, W + 0.5, 20, 70, 60]]
    const { report } = run(doc)
    expect(found(report.findings, 'POLYGON_TOO_FEW_POINTS')[0]?.path).toEqual(
      '$.annotations[0].segmentation[0]',
    )
    expect(found(report.findings, 'POLYGON_OUTSIDE_IMAGE').map((f) => f.path)).toEqual([
      '$.annotations[1].segmentation[0][5]',
    ])
  })

  it('rejects an RLE whose size is not the image’s, and an empty mask', () => {
    const doc = validDoc()
    const wrong = new Uint8Array(W * H).fill(1)
    annotation(doc, 0).segmentation = rleToCompressed(rleEncode(wrong, W, H))
    annotation(doc, 1).segmentation = rleToCompressed(rleEncode(new Uint8Array(W * H), H, W))
    const { report } = run(doc)
    expect(found(report.findings, 'RLE_SIZE_MISMATCH')[0]?.path).toEqual(
      '$.annotations[0].segmentation.size',
    )
    expect(found(report.findings, 'MASK_EMPTY')[0]?.path).toEqual('$.annotations[1].segmentation')
  })

  it('warns when bbox or area disagree with the mask, and about crowd polygons', () => {
    const doc = validDoc()
    annotation(doc, 0).bbox = [10, 10, 40, 40]
    annotation(doc, 1).area = 10
    annotation(doc, 2).iscrowd = 1
    const { report } = run(doc)
    expect(report.ok).toBe(true)
    expect(found(report.findings, 'MASK_BBOX_MISMATCH')[0]?.path).toEqual('$.annotations[0].bbox')
    expect(found(report.findings, 'MASK_AREA_MISMATCH')[0]?.path).toEqual('$.annotations[1].area')
    expect(found(report.findings, 'CROWD_NOT_RLE')[0]?.path).toEqual(
      '$.annotations[2].segmentation',
    )
  })

  it('judges the boxes by the detection rules too', () => {
    const doc = validDoc()
    annotation(doc, 0).bbox = [10, 10, -5, 20]
    const { report } = run(doc)
    expect(found(report.findings, 'BBOX_INVALID')[0]?.path).toEqual('$.annotations[0].bbox')
  })
})
