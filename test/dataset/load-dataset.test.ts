import { cp, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeDemoDataset } from '../../src-main/dataset/demo-dataset'
import { ANNOTATIONS_SIZE_LIMIT, loadDataset } from '../../src-main/dataset/load-dataset'

let dir: string
let demo: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts-load-dataset-'))
  demo = join(dir, 'demo')
  await writeDemoDataset(demo, { seed: 3, imagesPerClass: 12, format: 'mixed' })
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** A fresh copy of the demo dataset that a test may break. */
async function copyOfDemo(name: string): Promise<string> {
  const root = join(dir, name)
  await cp(demo, root, { recursive: true })
  return root
}

describe('loadDataset', () => {
  it('loads the demo dataset with a clean report', async () => {
    const { report, dataset } = await loadDataset(demo, { trainType: 'classification' })
    expect(report.findings).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.stats).toEqual({
      images: 48,
      annotations: 48,
      categories: 4,
      imagesPerClass: { circle: 12, square: 12, triangle: 12, cross: 12 },
    })
    expect(dataset?.classes.map((c) => [c.index, c.categoryId, c.name])).toEqual([
      [0, 1, 'circle'],
      [1, 2, 'square'],
      [2, 3, 'triangle'],
      [3, 4, 'cross'],
    ])
    expect(dataset?.items).toHaveLength(48)
    const ids = dataset?.items.map((item) => item.imageId) ?? []
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    for (let label = 0; label < 4; label++)
      expect(dataset?.items.filter((item) => item.label === label)).toHaveLength(12)
  })

  it('reports a planted missing file and returns no dataset', async () => {
    const root = await copyOfDemo('missing-file')
    const annotations = JSON.parse(await readFile(join(root, 'coco', 'annotations.json'), 'utf8'))
    const victim: string = annotations.images[5].file_name
    await unlink(join(root, 'images', victim))
    const { report, dataset } = await loadDataset(root, { trainType: 'classification' })
    expect(report.ok).toBe(false)
    expect(report.findings).toEqual([
      expect.objectContaining({
        code: 'IMAGE_FILE_MISSING',
        severity: 'error',
        file: victim,
        path: '$.images[5].file_name',
      }),
    ])
    expect(dataset).toBeUndefined()
  })

  it('reports an unreadable file with the reason', async () => {
    const root = await copyOfDemo('unreadable-file')
    await writeFile(join(root, 'images', '00000002.jpg'), 'not a jpeg')
    const { report } = await loadDataset(root, { trainType: 'classification' })
    expect(report.findings).toEqual([
      expect.objectContaining({ code: 'IMAGE_UNREADABLE', file: '00000002.jpg' }),
    ])
    expect(report.findings[0]?.message).toContain('unsupported image format')
  })

  it('reports ANNOTATIONS_MISSING when coco/annotations.json is absent', async () => {
    const root = await copyOfDemo('no-annotations')
    await unlink(join(root, 'coco', 'annotations.json'))
    const { report, dataset } = await loadDataset(root, { trainType: 'classification' })
    expect(report.findings).toEqual([
      expect.objectContaining({
        code: 'ANNOTATIONS_MISSING',
        severity: 'error',
        path: 'coco/annotations.json',
      }),
    ])
    expect(dataset).toBeUndefined()
  })

  it('refuses an annotations file above the size limit without reading it', async () => {
    const root = await copyOfDemo('huge-annotations')
    // A sparse file: the size is real for stat, but no disk space is used.
    await truncate(join(root, 'coco', 'annotations.json'), ANNOTATIONS_SIZE_LIMIT + 1)
    const { report } = await loadDataset(root, { trainType: 'classification' })
    expect(report.findings).toEqual([
      expect.objectContaining({ code: 'ANNOTATIONS_TOO_LARGE', path: 'coco/annotations.json' }),
    ])
    expect(report.findings[0]?.message).toMatch(/32 MB limit/)
  })

  it('passes the minimum images per class on', async () => {
    const { report } = await loadDataset(demo, {
      trainType: 'classification',
      minImagesPerClass: 13,
    })
    expect(report.findings.filter((f) => f.code === 'TOO_FEW_IMAGES')).toHaveLength(4)
  })
})
