import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DETECTION_SHAPES,
  writeDemoDetectionDataset,
} from '../../src-main/dataset/demo-detection-dataset'
import { loadDataset } from '../../src-main/dataset/load-dataset'
import { AppFailure } from '../../src-shared/errors'

interface Annotation {
  id: number
  image_id: number
  category_id: number
  bbox: [number, number, number, number]
  area: number
  iscrowd: number
}

/** The default image side: small enough for the demo detector to train in minutes. */
const SIDE = 96

let dir: string
let root: string
let seconds: number
let written: Awaited<ReturnType<typeof writeDemoDetectionDataset>>

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts-demo-detection-'))
  root = join(dir, 'default')
  const started = performance.now()
  written = await writeDemoDetectionDataset(root)
  seconds = (performance.now() - started) / 1000
}, 60_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Hash of every file below a dataset root, by relative path. */
async function fingerprint(at: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {}
  for (const folder of ['coco', 'images'])
    for (const name of await readdir(join(at, folder)))
      result[`${folder}/${name}`] = createHash('sha256')
        .update(await readFile(join(at, folder, name)))
        .digest('hex')
  return result
}

function hueOf(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b)
  const delta = max - Math.min(r, g, b)
  if (delta === 0) return 0
  const hue =
    max === r ? ((g - b) / delta) % 6 : max === g ? (b - r) / delta + 2 : (r - g) / delta + 4
  return (hue * 60 + 360) % 360
}

describe('writeDemoDetectionDataset', () => {
  it('writes 240 images of 96×96 quickly', async () => {
    expect(seconds, `${seconds.toFixed(1)} s`).toBeLessThan(20)
    expect(written.images).toBe(240)
    expect(written.classes).toEqual(['circle', 'square', 'triangle', 'star'])
    const names = await readdir(join(root, 'images'))
    expect(names).toHaveLength(240)
    const meta = await sharp(join(root, 'images', names[0] ?? '')).metadata()
    expect([meta.width, meta.height, meta.format]).toEqual([SIDE, SIDE, 'jpeg'])
  })

  it('validates for obj_detection with no errors and no warnings', async () => {
    const { report, dataset } = await loadDataset(root, { trainType: 'obj_detection' })
    expect(report.findings).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.stats.negativeImages).toBe(0)
    expect(dataset?.classes.map((c) => c.name)).toEqual(written.classes)
    expect(dataset?.items).toHaveLength(240)
    expect(dataset?.items.flatMap((item) => item.boxes ?? [])).toHaveLength(written.boxes)
  })

  it('gives every image 1–5 boxes inside it, of sizes from 8% to 45% of the side, all classes', async () => {
    const doc = JSON.parse(await readFile(join(root, 'coco', 'annotations.json'), 'utf8'))
    const annotations = doc.annotations as Annotation[]
    const perImage = new Map<number, number>()
    for (const a of annotations) perImage.set(a.image_id, (perImage.get(a.image_id) ?? 0) + 1)
    expect(perImage.size).toBe(240)
    const counts = [...perImage.values()]
    expect(Math.min(...counts)).toBe(1)
    expect(Math.max(...counts)).toBe(5)
    for (const a of annotations) {
      const [x, y, w, h] = a.bbox
      expect(x).toBeGreaterThanOrEqual(0)
      expect(y).toBeGreaterThanOrEqual(0)
      expect(x + w).toBeLessThanOrEqual(SIDE)
      expect(y + h).toBeLessThanOrEqual(SIDE)
      expect(Math.max(w, h)).toBeGreaterThanOrEqual(SIDE * 0.08 * 0.86)
      expect(Math.max(w, h)).toBeLessThanOrEqual(SIDE * 0.45)
      expect(a.iscrowd).toBe(0)
      expect(a.area).toBeGreaterThan(0)
      expect(a.area).toBeLessThanOrEqual(w * h + 0.01)
    }
    const perClass = DETECTION_SHAPES.map(
      (_, i) => annotations.filter((a) => a.category_id === i + 1).length,
    )
    for (const count of perClass) expect(count).toBeGreaterThan(annotations.length / 8)
    // Some objects overlap, as in real scenes.
    const overlapping = [...perImage.keys()].some((imageId) => {
      const boxes = annotations.filter((a) => a.image_id === imageId).map((a) => a.bbox)
      return boxes.some((a, i) =>
        boxes
          .slice(i + 1)
          .some(
            (b) =>
              a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3],
          ),
      )
    })
    expect(overlapping).toBe(true)
  })

  it('draws each object where its box says, in its class hue', async () => {
    const doc = JSON.parse(await readFile(join(root, 'coco', 'annotations.json'), 'utf8'))
    const annotations = doc.annotations as Annotation[]
    for (const image of doc.images.slice(0, 30) as { id: number; file_name: string }[]) {
      // The last object drawn is never covered, so its centre shows its own colour.
      const last = annotations.filter((a) => a.image_id === image.id).at(-1) as Annotation
      const { data } = await sharp(join(root, 'images', image.file_name))
        .raw()
        .toBuffer({ resolveWithObject: true })
      const [x, y, w, h] = last.bbox
      const at = (Math.floor(y + h / 2) * SIDE + Math.floor(x + w / 2)) * 3
      const hue = hueOf(data[at] ?? 0, data[at + 1] ?? 0, data[at + 2] ?? 0)
      const wanted = DETECTION_SHAPES[last.category_id - 1]?.hue ?? -1
      const distance = Math.min(Math.abs(hue - wanted), 360 - Math.abs(hue - wanted))
      expect(distance, `${image.file_name}: hue ${hue}`).toBeLessThan(25)
    }
  })

  it('is deterministic for a seed, and another seed gives another set', async () => {
    await writeDemoDetectionDataset(join(dir, 'a'), { seed: 9, images: 24 })
    await writeDemoDetectionDataset(join(dir, 'b'), { seed: 9, images: 24 })
    await writeDemoDetectionDataset(join(dir, 'c'), { seed: 10, images: 24 })
    const a = await fingerprint(join(dir, 'a'))
    expect(Object.keys(a)).toHaveLength(25)
    expect(await fingerprint(join(dir, 'b'))).toEqual(a)
    const c = await fingerprint(join(dir, 'c'))
    expect(c['coco/annotations.json']).not.toBe(a['coco/annotations.json'])
    expect(c['images/00000001.jpg']).not.toBe(a['images/00000001.jpg'])
  })

  it('refuses bad options with INVALID_DEMO_OPTIONS', async () => {
    for (const opts of [{ images: 0 }, { size: 8 }, { seed: -1 }, { format: 'gif' as 'png' }]) {
      const error = await writeDemoDetectionDataset(join(dir, 'bad'), opts).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AppFailure)
      expect((error as AppFailure).error.code).toBe('INVALID_DEMO_OPTIONS')
    }
  })
})
