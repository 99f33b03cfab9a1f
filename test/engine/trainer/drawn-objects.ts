// Tiny seeded sets of drawn objects for resume tests: noise with one or two solid shapes per image
// (class 0 a disc, class 1 a square), their boxes and masks, small enough to train in seconds.

import { seededRandom } from '../../../src-shared/seeded-random'
import { imageSamples } from '../../../src-main/engine/data/image-batches'
import type {
  SegmentationBox,
  SegmentationSet,
} from '../../../src-main/engine/tasks/segmentation/train-segmenter'

const COLOURS = [
  [230, 40, 40],
  [40, 90, 230],
] as const

/**
 * `count` images of `size` px; a SegmentationSet is a DetectionSet whose boxes carry masks. A
 * shape's side is a quarter of the image plus up to `spread` px (an eighth of the image unless told).
 */
export function drawnObjects(
  count: number,
  seed: number,
  size: number,
  spread = size / 8,
): SegmentationSet {
  const random = seededRandom(seed)
  const pixels = new Uint8Array(count * size * size * 3)
  const boxes: SegmentationBox[][] = []
  const half = size / 2
  for (let n = 0; n < count; n++) {
    const base = n * size * size * 3
    for (let i = 0; i < size * size * 3; i++) pixels[base + i] = 90 + Math.floor(random() * 40)
    const own: SegmentationBox[] = []
    for (let k = 0; k < 1 + (n % 2); k++) {
      const side = Math.round(half / 2) + Math.floor(random() * spread)
      const x = k * half + Math.floor(random() * (half - side))
      const y = Math.floor(random() * (size - side))
      const classIndex = Math.floor(random() * 2)
      const mask = new Uint8Array(size * size)
      const r = side / 2
      for (let py = y; py < y + side; py++)
        for (let px = x; px < x + side; px++) {
          const inside =
            classIndex === 1 || (px + 0.5 - x - r) ** 2 + (py + 0.5 - y - r) ** 2 <= r * r
          if (!inside) continue
          mask[py * size + px] = 1
          pixels.set(COLOURS[classIndex] as readonly number[], base + (py * size + px) * 3)
        }
      own.push({ classIndex, bbox: [x, y, side, side], iscrowd: 0, mask })
    }
    boxes.push(own)
  }
  return {
    images: imageSamples({ pixels, labels: new Int32Array(count), count, size }),
    boxes,
  }
}
