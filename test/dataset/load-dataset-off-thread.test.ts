import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDataset } from '../../src-main/dataset/load-dataset'

// Some 10 MB of annotations, each naming a category that does not exist: one error apiece.
const BAD_ANNOTATIONS = 150_000

let root: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ts-load-off-thread-'))
  await mkdir(join(root, 'coco'), { recursive: true })
  await mkdir(join(root, 'images'), { recursive: true })
  const annotations: string[] = []
  for (let i = 0; i < BAD_ANNOTATIONS; i++)
    annotations.push(`{"id": ${i}, "image_id": 0, "category_id": 999, "bbox": [1, 2, 3, 4]}`)
  const text =
    '{"categories": [{"id": 1, "name": "a"}],\n' +
    '"images": [{"id": 0, "file_name": "a.jpg", "width": 4, "height": 4}],\n' +
    `"annotations": [\n${annotations.join(',\n')}\n]}`
  await writeFile(join(root, 'coco', 'annotations.json'), text)
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('loadDataset with a large bad annotations.json', () => {
  it('keeps the event loop free and reports the true error count', async () => {
    let maxLag = 0
    let last = performance.now()
    const probe = setInterval(() => {
      const now = performance.now()
      maxLag = Math.max(maxLag, now - last)
      last = now
    }, 10)
    const started = performance.now()
    try {
      const { report, dataset } = await loadDataset(root, { trainType: 'classification' })
      const elapsed = performance.now() - started
      // A stall shows only when the probe runs next: let it run before judging.
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(dataset).toBeUndefined()
      // Every bad annotation, plus the missing a.jpg and too few classes.
      expect(report.errors).toBe(BAD_ANNOTATIONS + 2)
      expect(report.truncated).toBe(true)
      expect(report.totalFindings).toBe(report.errors + report.warnings)
      expect(report.findings.length).toBeLessThan(1200)
      // Validation alone takes seconds on one thread; the loop must never stall for long.
      expect(maxLag).toBeLessThan(Math.max(400, elapsed / 4))
      expect(maxLag).toBeLessThan(elapsed / 2)
    } finally {
      clearInterval(probe)
    }
  }, 60_000)
})
