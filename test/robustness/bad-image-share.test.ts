// The rule for unreadable images, exactly at its edges: up to the allowed share they are skipped
// with a warning and counted; one more and each is an error; and the count after training adds
// the images only decoding found bad.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateAnnotations, type ImageFileFacts } from '../../src-shared/validate-annotations'
import { loadSettings } from '../../src-main/config/settings'
import {
  badImageProblem,
  combineSkipped,
  skippedByTraining,
  skippedByValidation,
} from '../../src-main/jobs/skipped-images'

/** Ten images over two classes; the first `bad` files cannot be read. */
function dataset(bad: number) {
  const images = Array.from({ length: 10 }, (_, i) => ({
    id: i,
    file_name: `${i}.jpg`,
    width: 10,
    height: 10,
  }))
  const text = JSON.stringify({
    info: {},
    categories: [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ],
    images,
    annotations: images.map((image) => ({
      id: image.id,
      image_id: image.id,
      category_id: 1 + (image.id % 2),
    })),
  })
  const files = new Map<string, ImageFileFacts>(
    images.map((image) => [
      image.file_name,
      image.id < bad
        ? { bytes: 0, readable: false, problem: 'is empty (0 bytes)' }
        : { bytes: 100, width: 10, height: 10, readable: true },
    ]),
  )
  return { text, files }
}

describe('validateAnnotations with an allowed share of unreadable images', () => {
  it('skips up to the share with warnings, and trains on the rest', () => {
    const { text, files } = dataset(2)
    const { report, dataset: trainable } = validateAnnotations(text, {
      trainType: 'classification',
      files,
      maxUnreadableShare: 0.2,
    })
    expect(report.ok).toBe(true)
    expect(report.stats.unreadableImages).toBe(2)
    const unreadable = report.findings.filter((f) => f.code === 'IMAGE_UNREADABLE')
    expect(unreadable.map((f) => [f.file, f.severity])).toEqual([
      ['0.jpg', 'warning'],
      ['1.jpg', 'warning'],
    ])
    expect(unreadable[0]?.message).toMatch(/is empty \(0 bytes\); it is skipped/)
    expect(trainable?.items.map((item) => item.fileName)).toEqual(
      ['2', '3', '4', '5', '6', '7', '8', '9'].map((n) => `${n}.jpg`),
    )
    expect(skippedByValidation(report)).toEqual({
      skippedImageCount: 2,
      skippedImages: [
        { file: '0.jpg', code: 'IMAGE_UNREADABLE', message: expect.stringContaining('0.jpg') },
        { file: '1.jpg', code: 'IMAGE_UNREADABLE', message: expect.stringContaining('1.jpg') },
      ],
    })
  })

  it('makes each an error one image above the share, saying how many and the limit', () => {
    const { text, files } = dataset(3)
    const { report, dataset: trainable } = validateAnnotations(text, {
      trainType: 'classification',
      files,
      maxUnreadableShare: 0.2,
    })
    expect(report.ok).toBe(false)
    expect(trainable).toBeUndefined()
    const unreadable = report.findings.filter((f) => f.code === 'IMAGE_UNREADABLE')
    expect(unreadable).toHaveLength(3)
    expect(unreadable.every((f) => f.severity === 'error')).toBe(true)
    expect(unreadable[0]?.message).toMatch(/3 of 10 images are unreadable, above the 20% allowed/)
  })

  it('keeps the old rule without a share: any unreadable image is an error', () => {
    const { text, files } = dataset(1)
    const { report } = validateAnnotations(text, { trainType: 'classification', files })
    expect(report.ok).toBe(false)
    expect(report.findings.find((f) => f.code === 'IMAGE_UNREADABLE')?.severity).toBe('error')
  })
})

describe('the share after training', () => {
  let weights: string
  beforeAll(async () => {
    weights = await mkdtemp(join(process.env.TRAINING_SERVER_HOME ?? '', 'weights-'))
    await mkdir(weights, { recursive: true })
    await writeFile(
      join(weights, 'metrics.json'),
      JSON.stringify({
        skippedImages: [{ file: 'cut.jpg', message: 'cut.jpg cannot be decoded' }],
      }),
    )
  })
  afterAll(() => rm(weights, { recursive: true, force: true }))

  it('adds the images that failed to decode, and refuses above the share', async () => {
    const { text, files } = dataset(2)
    const { report } = validateAnnotations(text, {
      trainType: 'classification',
      files,
      maxUnreadableShare: 0.2,
    })
    const decoded = await skippedByTraining(weights)
    expect(decoded).toEqual({
      skippedImageCount: 1,
      skippedImages: [
        { file: 'cut.jpg', code: 'IMAGE_UNREADABLE', message: 'cut.jpg cannot be decoded' },
      ],
    })
    const all = combineSkipped(skippedByValidation(report), decoded)
    expect(all.skippedImageCount).toBe(3)
    expect(badImageProblem(all, 10, 0.3)).toBeUndefined()
    expect(badImageProblem(all, 10, 0.2)).toMatchObject({
      code: 'TOO_MANY_BAD_IMAGES',
      field: 'TRAINING_SERVER_MAX_BAD_IMAGE_RATE',
      details: { skipped: 3, total: 10, maxRate: 0.2 },
    })
    expect(await skippedByTraining(join(weights, 'missing'))).toEqual({
      skippedImageCount: 0,
      skippedImages: [],
    })
  })
})

describe('TRAINING_SERVER_MAX_BAD_IMAGE_RATE', () => {
  const home = { TRAINING_SERVER_HOME: process.env.TRAINING_SERVER_HOME ?? '' }
  it('takes a share or a percentage, defaults to 20% and refuses anything else', () => {
    expect(loadSettings(home).maxBadImageRate).toBe(0.2)
    expect(
      loadSettings({ ...home, TRAINING_SERVER_MAX_BAD_IMAGE_RATE: '0.05' }).maxBadImageRate,
    ).toBe(0.05)
    expect(
      loadSettings({ ...home, TRAINING_SERVER_MAX_BAD_IMAGE_RATE: '35%' }).maxBadImageRate,
    ).toBe(0.35)
    expect(loadSettings({ ...home, TRAINING_SERVER_MAX_BAD_IMAGE_RATE: '0' }).maxBadImageRate).toBe(
      0,
    )
    for (const bad of ['1.5', '-0.1', '120%', 'lots', '0.2.1'])
      expect(() => loadSettings({ ...home, TRAINING_SERVER_MAX_BAD_IMAGE_RATE: bad }), bad).toThrow(
        /TRAINING_SERVER_MAX_BAD_IMAGE_RATE must be a share/,
      )
  })
})
