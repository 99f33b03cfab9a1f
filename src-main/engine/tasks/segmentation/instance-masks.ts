// Object masks on the model's input grid: a COCO mask in the image's own pixels, resampled to the
// S×S input the image is stretched to, one byte per pixel in the same row-major order as the
// pixels, so augmentation can move a mask exactly as it moves the image under it.

import { rleDecode } from '../../../../src-shared/coco-mask/rle'
import {
  rleCountsFromString,
  type CompressedRle,
} from '../../../../src-shared/coco-mask/rle-string'

/** The S×S row-major mask of a compressed RLE, each input pixel sampled at its centre. */
export function maskAtInput(mask: CompressedRle, size: number): Uint8Array {
  const [height, width] = mask.size
  const parsed = rleCountsFromString(mask.counts)
  const out = new Uint8Array(size * size)
  if (!parsed.ok || height === 0 || width === 0) return out
  const pixels = rleDecode({ height, width, counts: parsed.counts })
  for (let y = 0; y < size; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / size))
    for (let x = 0; x < size; x++) {
      const sx = Math.min(width - 1, Math.floor(((x + 0.5) * width) / size))
      out[y * size + x] = pixels[sx * height + sy] as number
    }
  }
  return out
}
