import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateAnnotations } from '../../src-shared/validate-annotations'
import { probeImageFiles } from '../../src-main/dataset/probe-images'
import { detectionScenes, type SceneOptions } from '../../bench/detection-scenes'
import { loadSceneSet } from '../../bench/detection-evaluate'
import { peerAvailable, runPeer } from '../../bench/detection-peer'
import { BN_MOMENTUM, buildDetector } from '../../src-main/engine/tasks/detection/model'

interface Doc {
  categories: { id: number }[]
  images: { id: number; file_name: string; width: number; height: number }[]
  annotations: { image_id: number; category_id: number; bbox: number[]; area: number }[]
}

let folder = ''
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'detection-scenes-test-'))
})
afterAll(async () => {
  await rm(folder, { recursive: true, force: true })
})

async function build(name: string, options: SceneOptions): Promise<{ root: string; doc: Doc }> {
  const root = await detectionScenes(options, join(folder, name))
  const doc = JSON.parse(await readFile(join(root, 'coco', 'annotations.json'), 'utf8')) as Doc
  return { root, doc }
}

const tiny = { size: 64, minItem: 12, maxItem: 36 } as const

describe('Fashion-MNIST detection scenes', () => {
  it('pass the product validation for obj_detection without an error', async () => {
    const { root, doc } = await build('valid', { split: 'train', scenes: 12, ...tiny })
    const text = await readFile(join(root, 'coco', 'annotations.json'), 'utf8')
    const { report, dataset } = validateAnnotations(text, {
      trainType: 'obj_detection',
      files: await probeImageFiles(join(root, 'images')),
      minImagesPerClass: 1,
    })
    expect(report.findings.filter((f) => f.severity === 'error')).toEqual([])
    expect(dataset?.items).toHaveLength(12)
    const perImage = doc.images.map(
      (image) => doc.annotations.filter((a) => a.image_id === image.id).length,
    )
    expect(Math.min(...perImage)).toBeGreaterThanOrEqual(1)
    expect(Math.max(...perImage)).toBeLessThanOrEqual(5)
    expect(Math.max(...perImage)).toBeGreaterThan(1)
    for (const { bbox } of doc.annotations) {
      const [x = -1, y = -1, w = 0, h = 0] = bbox
      expect(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 64 && y + h <= 64).toBe(true)
    }
  })

  it('boxes each item tightly around its own pixels, not its paste rectangle', async () => {
    // One item on a flat background: the pixels that differ from it are exactly the item's.
    const { root, doc } = await build('tight', {
      split: 'test',
      scenes: 10,
      maxItems: 1,
      background: 'flat',
      ...tiny,
    })
    let silhouettes = 0
    for (const image of doc.images) {
      const { data } = await sharp(join(root, 'images', image.file_name))
        .raw()
        .toBuffer({ resolveWithObject: true })
      const counts = new Map<number, number>()
      const colour = (at: number) => data.readUIntBE(at * 3, 3)
      for (let at = 0; at < 64 * 64; at++) counts.set(colour(at), (counts.get(colour(at)) ?? 0) + 1)
      const background = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0]
      let [x0, y0, x1, y1, changed] = [64, 64, -1, -1, 0]
      for (let y = 0; y < 64; y++)
        for (let x = 0; x < 64; x++)
          if (colour(y * 64 + x) !== background) {
            ;[x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)]
            changed++
          }
      const [annotation] = doc.annotations.filter((a) => a.image_id === image.id)
      const [bx = 0, by = 0, bw = 0, bh = 0] = annotation?.bbox ?? []
      // Every changed pixel inside; at most one faint edge pixel (blended so little that it rounds
      // back to the background) between the box and the outermost changed pixel on each side.
      for (const gap of [x0 - bx, y0 - by, bx + bw - 1 - x1, by + bh - 1 - y1]) {
        expect(gap).toBeGreaterThanOrEqual(0)
        expect(gap).toBeLessThanOrEqual(1)
      }
      // A blended edge pixel can round to the background colour, so the area may be a bit larger.
      expect(annotation?.area).toBeGreaterThanOrEqual(changed)
      if ((annotation?.area ?? 0) < 0.9 * (x1 - x0 + 1) * (y1 - y0 + 1)) silhouettes++
    }
    expect(silhouettes).toBeGreaterThan(0)
  })

  it('is the same scene for the same options, and another one for another seed', async () => {
    const first = await build('seed-a', { split: 'train', scenes: 3, ...tiny })
    const again = await build('seed-b', { split: 'train', scenes: 3, ...tiny })
    const other = await build('seed-c', { split: 'train', scenes: 3, seed: 99, ...tiny })
    expect(again.doc.annotations).toEqual(first.doc.annotations)
    expect(other.doc.annotations).not.toEqual(first.doc.annotations)
    const file = (root: string) => readFile(join(root, 'images', 'train-000000.png'))
    expect((await file(again.root)).equals(await file(first.root))).toBe(true)
  })

  it.skipIf(!peerAvailable())(
    'the PyTorch peer trains an epoch and its held-out outputs are decoded and scored',
    async () => {
      const scenes = { classes: 3, ...tiny }
      const train = await build('peer-train', { split: 'train', scenes: 8, ...scenes })
      const test = await build('peer-test', { split: 'test', scenes: 4, ...scenes })
      const run = await runPeer(
        await loadSceneSet(train.root, 1),
        await loadSceneSet(test.root, 1),
        {
          threads: 1,
          epochs: 1,
          batchSize: 4,
          learningRate: 1e-3,
          augment: false,
          seed: 0,
        },
      )
      expect(run.line).toMatchObject({ train_images: 8, test_images: 4, rows: 16, cols: 16 })
      // The same network: as many trainable weights as the engine's detector, the same BN momentum.
      const ours = buildDetector({ imageSize: 64, numClasses: 3, seed: 0 })
      const weights = ours.trainableWeights.reduce(
        (sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1),
        0,
      )
      ours.dispose()
      expect(run.line.parameters).toBe(weights)
      expect(run.line.bn_momentum).toBe(BN_MOMENTUM)
      expect(run.line.images_per_s).toBeGreaterThan(0)
      expect(run.maps).toHaveLength(4)
      expect(run.maps[0]?.heatmap).toHaveLength(16 * 16 * 3)
      // After one epoch the prior (sigmoid of -2.19, about 0.1) still dominates the heatmap.
      const heat = Array.from(run.maps[0]?.heatmap ?? [])
      expect(heat.every((p) => p > 0 && p < 1)).toBe(true)
      expect(run.report.stats.ap).toBeGreaterThanOrEqual(0)
      expect(run.report.stats.ap).toBeLessThanOrEqual(1)
      expect(run.report.perClass.length).toBeGreaterThan(0)
    },
  )
})
