import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  SEGMENTATION_SHAPES,
  writeDemoSegmentationDataset,
} from '../../src-main/dataset/demo-segmentation-dataset'
import { loadDataset } from '../../src-main/dataset/load-dataset'
import { segmentationToRle } from '../../src-shared/coco-mask/segmentation'
import { rleArea, rleDecode, rleToBbox } from '../../src-shared/coco-mask/rle'

interface Annotation {
  image_id: number
  category_id: number
  segmentation: unknown
  bbox: number[]
  area: number
}

let dir: string
let written: Awaited<ReturnType<typeof writeDemoSegmentationDataset>>
const SIZE = 96

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts-demo-segmentation-'))
  written = await writeDemoSegmentationDataset(join(dir, 'a'), { images: 24, size: SIZE })
}, 60_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function annotations(root: string): Promise<Annotation[]> {
  const doc = JSON.parse(await readFile(join(root, 'coco', 'annotations.json'), 'utf8')) as {
    annotations: Annotation[]
  }
  return doc.annotations
}

async function hashes(root: string): Promise<string[]> {
  const files = [
    'coco/annotations.json',
    ...(await readdir(join(root, 'images'))).map((f) => `images/${f}`),
  ]
  return Promise.all(
    files.sort().map(async (file) => {
      const hash = createHash('sha256').update(await readFile(join(root, file)))
      return `${file}:${hash.digest('hex')}`
    }),
  )
}

describe('the demo segmentation dataset', () => {
  it('passes instance-segmentation validation with no finding', async () => {
    const { report, dataset } = await loadDataset(join(dir, 'a'), {
      trainType: 'instance_segmentation',
    })
    expect(report.findings).toEqual([])
    expect(dataset?.classes.map((c) => c.name)).toEqual(SEGMENTATION_SHAPES.map((s) => s.name))
    const boxes = dataset?.items.flatMap((item) => item.boxes ?? []) ?? []
    expect(boxes).toHaveLength(written.objects)
    expect(boxes.every((box) => box.mask !== undefined)).toBe(true)
  })

  it('writes unoccluded objects as polygons and partly hidden ones as RLE of what shows', async () => {
    const all = await annotations(join(dir, 'a'))
    const polygons = all.filter((a) => Array.isArray(a.segmentation))
    const rles = all.filter((a) => !Array.isArray(a.segmentation))
    expect(written.occluded).toBe(rles.length)
    expect(rles.length).toBeGreaterThan(0)
    expect(polygons.length).toBeGreaterThan(rles.length)
    for (const a of all) {
      const read = segmentationToRle(a.segmentation, SIZE, SIZE)
      expect(read.ok).toBe(true)
      if (!read.ok) continue
      expect(rleArea(read.rle)).toBe(a.area)
      expect(rleToBbox(read.rle)).toEqual(a.bbox)
    }
  })

  it('draws each object where its mask is: the mask’s pixels have its class colour', async () => {
    const all = await annotations(join(dir, 'a'))
    const files = (await readdir(join(dir, 'a', 'images'))).sort()
    for (const imageId of [0, 1, 2, 3]) {
      const { data } = await sharp(join(dir, 'a', 'images', files[imageId] ?? ''))
        .raw()
        .toBuffer({ resolveWithObject: true })
      for (const a of all.filter((x) => x.image_id === imageId)) {
        const read = segmentationToRle(a.segmentation, SIZE, SIZE)
        if (!read.ok) throw new Error('unreadable')
        const mask = rleDecode(read.rle)
        const hue = SEGMENTATION_SHAPES[a.category_id - 1]?.hue ?? 0
        let near = 0
        let inside = 0
        for (let x = 0; x < SIZE; x++)
          for (let y = 0; y < SIZE; y++) {
            if (!mask[x * SIZE + y]) continue
            inside++
            const [r, g, b] = [0, 1, 2].map((c) => (data[(y * SIZE + x) * 3 + c] ?? 0) / 255)
            const max = Math.max(r ?? 0, g ?? 0, b ?? 0)
            const min = Math.min(r ?? 0, g ?? 0, b ?? 0)
            if (max - min < 0.2) continue
            const h =
              max === r
                ? (60 * ((g ?? 0) - (b ?? 0))) / (max - min)
                : max === g
                  ? 120 + (60 * ((b ?? 0) - (r ?? 0))) / (max - min)
                  : 240 + (60 * ((r ?? 0) - (g ?? 0))) / (max - min)
            const off = Math.abs(((((h - hue) % 360) + 540) % 360) - 180)
            if (off < 20) near++
          }
        // Edge pixels are blended with the background by antialiasing.
        expect(near / inside).toBeGreaterThan(0.75)
      }
    }
  })

  it('is the same, byte for byte, from the same seed', async () => {
    await writeDemoSegmentationDataset(join(dir, 'b'), { images: 24, size: SIZE })
    expect(await hashes(join(dir, 'b'))).toEqual(await hashes(join(dir, 'a')))
  })
})
