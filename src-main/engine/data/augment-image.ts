// Training-time variations of one image: a mirror image, a small rotation, a crop that zooms in or
// out a little, and a change of brightness and contrast. Drawn from a seeded stream, so a run
// with the same seed sees the same variations; only the training loop uses it, never validation.

/** Largest rotation either way, in radians (10°): objects lie a little askew, rarely more. */
const MAX_ROTATION = (10 * Math.PI) / 180
/** Zoom between 0.9× and 1.1×: crops that keep the object in the frame. */
const MAX_SCALE_CHANGE = 0.1
/** Shift of the crop centre, as a share of the image side. */
const MAX_SHIFT = 0.08
/** Brightness and contrast factors between 0.8 and 1.2. */
const MAX_TONE_CHANGE = 0.2
const MIRROR_PROBABILITY = 0.5

/** Writes one augmented size×size RGB image from `pixels` (at `from`) into `out` (at `to`). */
export type ImageAugmenter = (
  pixels: Uint8Array,
  from: number,
  size: number,
  out: Float32Array,
  to: number,
) => void

/** How one image is varied; every draw of `augmentImage` is one of these. */
export interface Variation {
  mirror: boolean
  rotation: number
  scale: number
  shiftX: number
  shiftY: number
  brightness: number
  contrast: number
}

export function drawVariation(random: () => number): Variation {
  const spread = (limit: number) => (random() * 2 - 1) * limit
  return {
    mirror: random() < MIRROR_PROBABILITY,
    rotation: spread(MAX_ROTATION),
    scale: 1 + spread(MAX_SCALE_CHANGE),
    shiftX: spread(MAX_SHIFT),
    shiftY: spread(MAX_SHIFT),
    brightness: 1 + spread(MAX_TONE_CHANGE),
    contrast: 1 + spread(MAX_TONE_CHANGE),
  }
}

/**
 * Renders `variation` of the image: each output pixel is sampled (bilinear) from where the
 * inverse transform puts it, clamped at the border so no black corners appear, then brightness
 * and contrast are applied around the image's mean level.
 */
export function renderVariation(
  pixels: Uint8Array,
  from: number,
  size: number,
  out: Float32Array,
  to: number,
  variation: Variation,
): void {
  const centre = (size - 1) / 2
  const cos = Math.cos(variation.rotation) / variation.scale
  const sin = Math.sin(variation.rotation) / variation.scale
  const offsetX = centre + variation.shiftX * size
  const offsetY = centre + variation.shiftY * size
  const last = size - 1
  let sum = 0
  for (let y = 0; y < size; y++) {
    const dy = y - centre
    for (let x = 0; x < size; x++) {
      const dx = (variation.mirror ? last - x : x) - centre
      const sx = Math.min(last, Math.max(0, cos * dx - sin * dy + offsetX))
      const sy = Math.min(last, Math.max(0, sin * dx + cos * dy + offsetY))
      const x0 = Math.floor(sx)
      const y0 = Math.floor(sy)
      const x1 = Math.min(last, x0 + 1)
      const y1 = Math.min(last, y0 + 1)
      const fx = sx - x0
      const fy = sy - y0
      const target = to + (y * size + x) * 3
      const a = from + (y0 * size + x0) * 3
      const b = from + (y0 * size + x1) * 3
      const d = from + (y1 * size + x0) * 3
      const e = from + (y1 * size + x1) * 3
      for (let c = 0; c < 3; c++) {
        const pa = pixels[a + c] as number
        const pd = pixels[d + c] as number
        const top = pa + ((pixels[b + c] as number) - pa) * fx
        const bottom = pd + ((pixels[e + c] as number) - pd) * fx
        const value = top + (bottom - top) * fy
        out[target + c] = value
        sum += value
      }
    }
  }
  const mean = sum / (size * size * 3)
  const { brightness, contrast } = variation
  const end = to + size * size * 3
  for (let i = to; i < end; i++) {
    const value = ((out[i] as number) - mean) * contrast + mean * brightness
    out[i] = value < 0 ? 0 : value > 255 ? 255 : value
  }
}

/** An augmenter drawing a fresh variation per image from `random`. */
export function imageAugmenter(random: () => number): ImageAugmenter {
  return (pixels, from, size, out, to) =>
    renderVariation(pixels, from, size, out, to, drawVariation(random))
}
