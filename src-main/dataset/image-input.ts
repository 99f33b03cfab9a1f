// How every image file of a dataset is opened with sharp: one pixel limit and one set of
// decoding rules, so probing, decoding and thumbnails agree on what counts as readable.

import sharp, { type Metadata, type Sharp } from 'sharp'

/** Larger images are refused: a small file can declare enough pixels to exhaust memory. */
export const MAX_INPUT_PIXELS = 100_000_000

/** Raster formats a training image may have; anything else (SVG, PDF, …) is refused. */
export const IMAGE_FORMATS: ReadonlySet<string> = new Set([
  'jpeg',
  'png',
  'webp',
  'gif',
  'tiff',
  'avif',
  'heif',
])

export function pixelLimitProblem(width: number, height: number): string | undefined {
  if (width * height <= MAX_INPUT_PIXELS) return undefined
  const megapixels = Math.round((width * height) / 1e6)
  return `is ${width}×${height} (${megapixels} megapixels), above the ${MAX_INPUT_PIXELS / 1e6} megapixel limit`
}

/**
 * A sharp pipeline on one file (by path, or its bytes): first frame only, pixel limit on. Truncated or corrupt pixel data
 * is an error; mere decoder warnings (common in phone photos) are not.
 */
export function openImage(file: string | Uint8Array): Sharp {
  return sharp(file, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', pages: 1 })
}

/**
 * The file's header only. No pixels are decoded, so the pixel limit is left to the caller, which
 * can then say how large the image is instead of only that it is too large.
 */
export function readImageHeader(file: string): Promise<Metadata> {
  return sharp(file, { limitInputPixels: false, pages: 1 }).metadata()
}

/** A decoder error as a short phrase about the file ("has corrupt header; …"). */
export function reasonOf(thrown: unknown): string {
  const message = thrown instanceof Error ? thrown.message : String(thrown)
  if (/exceeds pixel limit/.test(message))
    return `is above the ${MAX_INPUT_PIXELS / 1e6} megapixel limit`
  const reason = message
    .split('\n')
    .map((line) => line.trim().replace(/:$/, ''))
    .filter((line) => line !== '')
    .join('; ')
    .replace(/^Input (file|image) /, '')
  return reason === '' ? 'unknown problem' : reason
}
