import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeDataset } from '../../src-main/dataset/describe-dataset'
import { writeDemoDataset } from '../../src-main/dataset/demo-dataset'
import { writeDemoDetectionDataset } from '../../src-main/dataset/demo-detection-dataset'
import { loadDataset } from '../../src-main/dataset/load-dataset'

let dir: string
let root: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts-describe-dataset-'))
  root = join(dir, 'client0')
  await writeDemoDataset(root, { seed: 5, classes: 3, imagesPerClass: 5, size: 64 })
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('describeDataset', () => {
  it('lists images with size and label, and classes with counts', async () => {
    const { report } = await loadDataset(root, { trainType: 'classification' })
    const view = await describeDataset('client0', root, report)
    expect(view.client).toBe('client0')
    expect(view.synced).toBe(true)
    expect(view.report).toBe(report)
    expect(view.images).toHaveLength(15)
    expect(view.classes).toEqual([
      { name: 'circle', categoryId: 1, count: 5 },
      { name: 'square', categoryId: 2, count: 5 },
      { name: 'triangle', categoryId: 3, count: 5 },
    ])
    const doc = JSON.parse(await readFile(join(root, 'coco', 'annotations.json'), 'utf8'))
    const first = doc.images[0]
    const shown = view.images.find((image) => image.file === first.file_name)
    const label = doc.categories[doc.annotations[0].category_id - 1].name
    expect(shown).toMatchObject({ width: first.width, height: first.height, label })
    expect(shown?.bytes).toBeGreaterThan(0)
  })

  it('carries the boxes of each image in its pixels, clipped, with crowd regions marked', async () => {
    const copy = join(dir, 'boxes')
    await writeDemoDetectionDataset(copy, { seed: 2, images: 4, size: 64 })
    const file = join(copy, 'coco', 'annotations.json')
    const doc = JSON.parse(await readFile(file, 'utf8'))
    const first = doc.images[0]
    const own = doc.annotations.filter((a: { image_id: number }) => a.image_id === first.id)
    // One box reaching past the right edge, one crowd region, one box wholly outside (dropped).
    doc.annotations.push(
      { id: 900, image_id: first.id, category_id: 1, bbox: [50, 10, 30, 10], iscrowd: 0 },
      { id: 901, image_id: first.id, category_id: 2, bbox: [0, 0, 20, 20], iscrowd: 1 },
      { id: 902, image_id: first.id, category_id: 2, bbox: [70, 70, 5, 5] },
    )
    await writeFile(file, JSON.stringify(doc))
    const view = await describeDataset('boxes', copy)
    const shown = view.images.find((image) => image.file === first.file_name)
    expect(shown).toMatchObject({ width: 64, height: 64 })
    const boxes = shown?.boxes ?? []
    expect(boxes).toHaveLength(own.length + 2)
    expect(boxes.map((box) => box.categoryId)).toEqual([
      ...own.map((a: { category_id: number }) => a.category_id),
      1,
      2,
    ])
    expect(boxes.slice(-2)).toEqual([
      { categoryId: 1, bbox: [50, 10, 14, 10] },
      { categoryId: 2, bbox: [0, 0, 20, 20], iscrowd: 1 },
    ])
    // A class counts the images showing it in a box, each once.
    for (const { categoryId, count } of view.classes) {
      const showing = new Set(
        doc.annotations
          .filter(
            (a: { category_id: number; id: number }) =>
              a.category_id === categoryId && a.id !== 902,
          )
          .map((a: { image_id: number }) => a.image_id),
      )
      expect(count).toBe(showing.size)
    }
    // A classification dataset has no boxes to carry.
    const plain = await describeDataset('client0', root)
    expect(plain.images.some((image) => image.boxes !== undefined)).toBe(false)
  })

  it('leaves out labels of images with two categories', async () => {
    const copy = join(dir, 'two-labels')
    await writeDemoDataset(copy, { seed: 5, classes: 3, imagesPerClass: 5, size: 64 })
    const file = join(copy, 'coco', 'annotations.json')
    const doc = JSON.parse(await readFile(file, 'utf8'))
    const other = (doc.annotations[0].category_id % 3) + 1
    doc.annotations.push({ id: 999, image_id: 0, category_id: other })
    await writeFile(file, JSON.stringify(doc))
    const view = await describeDataset('two-labels', copy)
    expect(
      view.images.find((image) => image.file === doc.images[0].file_name)?.label,
    ).toBeUndefined()
    expect(view.classes.reduce((sum, c) => sum + c.count, 0)).toBe(14)
  })

  it('still lists the images when annotations.json is broken', async () => {
    const copy = join(dir, 'broken')
    await writeDemoDataset(copy, { seed: 5, classes: 2, imagesPerClass: 3, size: 64 })
    await writeFile(join(copy, 'coco', 'annotations.json'), '{"images": [')
    const view = await describeDataset('broken', copy)
    expect(view.images).toHaveLength(6)
    expect(view.images.every((image) => image.label === undefined)).toBe(true)
    expect(view.classes).toEqual([])
  })

  it('says not synced for a folder that does not exist', async () => {
    const view = await describeDataset('nobody', join(dir, 'nobody'))
    expect(view).toEqual({ client: 'nobody', synced: false, images: [], classes: [] })
  })
})
