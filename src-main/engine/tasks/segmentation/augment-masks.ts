// An object's S×S mask under a detection image's variation: the same inverse mapping
// renderBoxVariation samples pixels with (mirror, zoom, shift), read at the nearest source pixel
// so a mask stays binary; outside the source image the mask is empty. Tone changes leave masks be.

import type { BoxVariation } from '../detection/augment-boxes'

export function moveMask(mask: Uint8Array, size: number, v: BoxVariation | undefined): Uint8Array {
  if (!v) return mask
  const out = new Uint8Array(size * size)
  const last = size - 1
  for (let y = 0; y < size; y++) {
    const sy = Math.round((y + 0.5 - v.shiftY) / v.scale - 0.5)
    if (sy < 0 || sy > last) continue
    for (let x = 0; x < size; x++) {
      const mx = (x + 0.5 - v.shiftX) / v.scale - 0.5
      const sx = Math.round(v.mirror ? last - mx : mx)
      if (sx < 0 || sx > last) continue
      out[y * size + x] = mask[sy * size + sx] as number
    }
  }
  return out
}
