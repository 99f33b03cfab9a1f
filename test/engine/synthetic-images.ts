// Generated image sets for engine tests: three classes anyone can tell apart (a horizontal bar, a
// vertical bar, a square blob) at random positions and brightness on a noisy background.

import type { ImageSet } from '../../src-main/engine/data/image-batches'
import { seededRandom } from '../../src-shared/seeded-random'

export function syntheticImageSet(perClass: number, seed: number, size = 16): ImageSet {
  const random = seededRandom(seed)
  const count = perClass * 3
  const stride = size * size * 3
  const pixels = new Uint8Array(count * stride)
  const labels = new Int32Array(count)
  for (let n = 0; n < count; n++) {
    const label = n % 3
    labels[n] = label
    const at = 3 + Math.floor(random() * (size - 8))
    const level = 150 + random() * 100
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const inShape =
          label === 0
            ? y >= at && y < at + 3
            : label === 1
              ? x >= at && x < at + 3
              : Math.abs(x - at - 1) < 3 && Math.abs(y - size / 2) < 3
        for (let c = 0; c < 3; c++)
          pixels[n * stride + (y * size + x) * 3 + c] = Math.round(
            (inShape ? level : 40) + random() * 30,
          )
      }
  }
  return { pixels, labels, count, size }
}
