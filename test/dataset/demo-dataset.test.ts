import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_SHAPES, writeDemoDataset } from '../../src-main/dataset/demo-dataset'
import { AppFailure } from '../../src-shared/errors'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts-demo-dataset-'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Hash of every file below root, by relative path. */
async function fingerprint(root: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {}
  for (const folder of ['coco', 'images'])
    for (const name of await readdir(join(root, folder)))
      result[`${folder}/${name}`] = createHash('sha256')
        .update(await readFile(join(root, folder, name)))
        .digest('hex')
  return result
}

describe('writeDemoDataset', () => {
  it('writes the default dataset in the seed format, quickly', async () => {
    const root = join(dir, 'default')
    const started = performance.now()
    const result = await writeDemoDataset(root)
    expect(performance.now() - started).toBeLessThan(10_000)
    expect(result).toEqual({ images: 160, classes: ['circle', 'square', 'triangle', 'cross'] })

    const doc = JSON.parse(await readFile(join(root, 'coco', 'annotations.json'), 'utf8'))
    expect(Object.keys(doc)).toEqual(['info', 'licences', 'categories', 'images', 'annotations'])
    expect(doc.categories).toEqual(result.classes.map((name, i) => ({ id: i + 1, name })))
    expect(Object.keys(doc.images[0])).toEqual(['id', 'licence', 'file_name', 'height', 'width'])
    expect(Object.keys(doc.annotations[0])).toEqual(['id', 'image_id', 'category_id'])
    expect(doc.images).toHaveLength(160)
    expect(new Set(doc.images.map((i: { file_name: string }) => i.file_name)).size).toBe(160)

    // Varied sizes within 64–160 px, and the JSON tells the truth about each file.
    const widths = new Set<number>()
    for (const image of doc.images.slice(0, 40)) {
      const meta = await sharp(join(root, 'images', image.file_name)).metadata()
      expect([meta.width, meta.height]).toEqual([image.width, image.height])
      expect(meta.format).toBe('jpeg')
      expect(Math.min(meta.width, meta.height)).toBeGreaterThanOrEqual(64)
      expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(160)
      widths.add(meta.width)
    }
    expect(widths.size).toBeGreaterThan(10)
    const perClass = [1, 2, 3, 4].map(
      (id) => doc.annotations.filter((a: { category_id: number }) => a.category_id === id).length,
    )
    expect(perClass).toEqual([40, 40, 40, 40])
  })

  it('is deterministic for a seed and different for another', async () => {
    const options = { classes: 3, imagesPerClass: 6, format: 'mixed' } as const
    await writeDemoDataset(join(dir, 'a'), { ...options, seed: 11 })
    await writeDemoDataset(join(dir, 'b'), { ...options, seed: 11 })
    await writeDemoDataset(join(dir, 'c'), { ...options, seed: 12 })
    const a = await fingerprint(join(dir, 'a'))
    expect(Object.keys(a)).toHaveLength(1 + 18)
    expect(await fingerprint(join(dir, 'b'))).toEqual(a)
    const c = await fingerprint(join(dir, 'c'))
    expect(c['coco/annotations.json']).not.toBe(a['coco/annotations.json'])
    const names = Object.keys(a)
    expect(names.some((name) => name.endsWith('.png'))).toBe(true)
    expect(names.some((name) => name.endsWith('.jpg'))).toBe(true)
  })

  it('draws different pictures within a class', async () => {
    const root = join(dir, 'variety')
    await writeDemoDataset(root, { classes: 2, imagesPerClass: 4, size: 64, format: 'png' })
    const doc = JSON.parse(await readFile(join(root, 'coco', 'annotations.json'), 'utf8'))
    const circles = doc.annotations
      .filter((a: { category_id: number }) => a.category_id === 1)
      .map((a: { image_id: number }) => doc.images[a.image_id].file_name)
    const pixels = await Promise.all(
      circles.map((name: string) =>
        sharp(join(root, 'images', name))
          .resize(16, 16, { fit: 'fill' })
          .raw()
          .toBuffer(),
      ),
    )
    expect(new Set(pixels.map((p) => p.toString('hex'))).size).toBe(circles.length)
  })

  it('refuses options out of range', async () => {
    await expect(
      writeDemoDataset(join(dir, 'bad'), { classes: DEMO_SHAPES.length + 1 }),
    ).rejects.toThrow(AppFailure)
    await expect(writeDemoDataset(join(dir, 'bad'), { imagesPerClass: 0 })).rejects.toThrow(
      /imagesPerClass/,
    )
  })
})
