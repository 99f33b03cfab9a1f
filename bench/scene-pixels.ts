// A scene folder's images and boxes as the engine trains on them, for the detection and the
// segmentation benchmarks alike. Scenes are drawn at the input size, so their pixels go in as they
// are: an image of another size means a stale cache, and resizing it would hide that.

import { join } from 'node:path'
import pLimit from 'p-limit'
import sharp from 'sharp'
import { imageSamples, type SampleSet } from '../src-main/engine/data/image-batches'
import type { DetectionBox } from '../src-main/engine/tasks/detection/train-detector'
import type { SceneSet } from './detection-evaluate'

/** One annotation of a scene item, as the product's validation returned it. */
export type SceneBox = NonNullable<SceneSet['items'][number]['boxes']>[number]

/**
 * Every item's pixels (size×size RGB) and its boxes in class indices; `extra` adds a task's own
 * fields to each box (the segmenter's mask).
 */
export async function sceneSamples<Extra extends object = object>(
  set: SceneSet,
  size: number,
  extra?: (box: SceneBox) => Extra,
): Promise<{ images: SampleSet; boxes: (DetectionBox & Extra)[][] }> {
  const stride = size * size * 3
  const pixels = new Uint8Array(set.items.length * stride)
  const limit = pLimit(4)
  await Promise.all(
    set.items.map((item, n) =>
      limit(async () => {
        const { data, info } = await sharp(join(set.root, 'images', item.fileName))
          .removeAlpha()
          .raw()
          .toBuffer({ resolveWithObject: true })
        if (info.width !== size || info.height !== size)
          throw new Error(`${item.fileName} is not ${size}×${size}`)
        pixels.set(data, n * stride)
      }),
    ),
  )
  const classIndex = new Map(set.classes.map((c) => [c.categoryId, c.index]))
  const boxes = set.items.map((item) =>
    (item.boxes ?? []).map(
      (box) =>
        ({
          classIndex: classIndex.get(box.categoryId) ?? 0,
          bbox: box.bbox,
          iscrowd: box.iscrowd,
          ...extra?.(box),
        }) as DetectionBox & Extra,
    ),
  )
  const labels = Int32Array.from(set.items, (item) => item.label)
  return { images: imageSamples({ pixels, labels, count: set.items.length, size }), boxes }
}
