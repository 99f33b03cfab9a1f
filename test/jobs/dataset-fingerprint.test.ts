// The dataset fingerprint a checkpoint carries: a classifier's items hash as they always did (their
// checkpoints stay resumable), and a detector's boxes are part of it, so a moved box refuses a
// resume even when every image file is unchanged.

import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ClassInfo, ClassificationItem } from '../../src-shared/validate-annotations'
import { datasetFingerprint } from '../../src-main/jobs/job-checkpoints'

const CLASSES: ClassInfo[] = [
  { index: 0, categoryId: 1, name: 'a' },
  { index: 1, categoryId: 2, name: 'b' },
]
let root: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fingerprint-'))
  await mkdir(join(root, 'images'))
  await writeFile(join(root, 'images', 'one.png'), new Uint8Array(10))
  await writeFile(join(root, 'images', 'two.png'), new Uint8Array(20))
})
afterAll(() => rm(root, { recursive: true, force: true }))

describe('datasetFingerprint', () => {
  it('hashes items without boxes exactly as checkpoints written before boxes counted', async () => {
    const items: ClassificationItem[] = [
      { imageId: 2, fileName: 'two.png', label: 1 },
      { imageId: 1, fileName: 'one.png', label: 0 },
    ]
    const earlier = createHash('sha256')
    earlier.update(JSON.stringify(['a', 'b']))
    earlier.update(`${JSON.stringify(['one.png', 0, 10])}\n`)
    earlier.update(`${JSON.stringify(['two.png', 1, 20])}\n`)
    expect(await datasetFingerprint(root, CLASSES, items)).toBe(earlier.digest('hex'))
  })

  it('changes when a box moves, though the files stay the same', async () => {
    const withBox = (x: number): ClassificationItem[] => [
      {
        imageId: 1,
        fileName: 'one.png',
        label: 0,
        boxes: [{ categoryId: 1, bbox: [x, 2, 5, 5], area: 25, iscrowd: 0 }],
      },
    ]
    const first = await datasetFingerprint(root, CLASSES, withBox(1))
    expect(await datasetFingerprint(root, CLASSES, withBox(1))).toBe(first)
    expect(await datasetFingerprint(root, CLASSES, withBox(3))).not.toBe(first)
  })
})
