import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rleArea, rleDecode, rleToBbox } from '../../src-shared/coco-mask/rle'
import { rleCountsFromString, type CompressedRle } from '../../src-shared/coco-mask/rle-string'
import { segmentationScenes } from '../../bench/segmentation-scenes'
import { loadSegmentationSceneSet } from '../../bench/segmentation-evaluate'
import { peerAvailable } from '../../bench/detection-peer'
import { runSegmentationPeer } from '../../bench/segmentation-peer'
import { buildSegmenter } from '../../src-main/engine/tasks/segmentation/model'

interface Doc {
  images: { id: number }[]
  annotations: {
    image_id: number
    bbox: number[]
    area: number
    segmentation: CompressedRle
  }[]
}

let folder = ''
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'segmentation-scenes-test-'))
})
afterAll(async () => {
  await rm(folder, { recursive: true, force: true })
})

const tiny = { size: 64, minItem: 12, maxItem: 36, classes: 3 } as const

function decoded(segmentation: CompressedRle) {
  const parsed = rleCountsFromString(segmentation.counts)
  if (!parsed.ok) throw new Error(parsed.reason)
  const [height, width] = segmentation.size
  return { height, width, counts: parsed.counts }
}

describe('Fashion-MNIST segmentation scenes', () => {
  it('give each object its visible silhouette as RLE, matching its box and area', async () => {
    const root = await segmentationScenes(
      { split: 'train', scenes: 10, ...tiny },
      join(folder, 'a'),
    )
    const set = await loadSegmentationSceneSet(root, 1)
    expect(set.errors).toBe(0)
    expect(set.warnings).toBe(0)
    const doc = JSON.parse(await readFile(join(root, 'coco', 'annotations.json'), 'utf8')) as Doc
    expect(doc.annotations.length).toBeGreaterThan(10)
    for (const a of doc.annotations) {
      const rle = decoded(a.segmentation)
      expect([rle.height, rle.width]).toEqual([64, 64])
      expect(rleArea(rle)).toBe(a.area)
      expect(rleToBbox(rle)).toEqual(a.bbox)
    }
    // Objects of one scene never share a pixel: a later item hides what it covers.
    for (const image of doc.images) {
      const cover = new Uint8Array(64 * 64)
      for (const a of doc.annotations.filter((x) => x.image_id === image.id))
        rleDecode(decoded(a.segmentation)).forEach((v, n) => (cover[n] = (cover[n] ?? 0) + v))
      expect(Math.max(...cover)).toBe(1)
    }
  })

  it.skipIf(!peerAvailable())(
    'the PyTorch peer trains the same network an epoch; its masks are decoded and scored',
    async () => {
      const train = await segmentationScenes(
        { split: 'train', scenes: 8, ...tiny },
        join(folder, 'peer-train'),
      )
      const test = await segmentationScenes(
        { split: 'test', scenes: 4, ...tiny },
        join(folder, 'peer-test'),
      )
      const run = await runSegmentationPeer(
        await loadSegmentationSceneSet(train, 1),
        await loadSegmentationSceneSet(test, 1),
        { threads: 1, epochs: 1, batchSize: 4, learningRate: 1e-3 },
        0,
        64,
      )
      expect(run.line).toMatchObject({
        train_images: 8,
        test_images: 4,
        rows: 16,
        proto_rows: 16,
        prototypes: 16,
      })
      const ours = buildSegmenter({ imageSize: 64, numClasses: 3, seed: 0 })
      const weights = ours.trainableWeights.reduce(
        (sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1),
        0,
      )
      ours.dispose()
      expect(run.line.parameters).toBe(weights)
      expect(run.evaluation.maskCoco.stats.ap).toBeGreaterThanOrEqual(0)
      expect(run.evaluation.boxCoco.stats.ap50).toBeGreaterThanOrEqual(0)
    },
    120_000,
  )
})
