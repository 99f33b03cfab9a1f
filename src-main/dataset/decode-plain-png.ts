// The fast path of image decoding for the commonest small file: an 8-bit PNG already at the
// input size whose colours need no conversion (no colour profile, gamma, chromaticities or EXIF
// orientation). For such a file the model input is its pixels flattened on white, which a pure
// decoder on node's zlib yields in a few microseconds, where a sharp pipeline's fixed cost per
// call (about a millisecond) would dominate decoding a dataset of thumbnails. Everything else,
// and any file the decoder rejects, is left to sharp (undefined here), so that errors read the
// same and every other format and conversion keeps one implementation.

import { PNG } from 'pngjs'

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
/**
 * Chunks that do not change the decoded pixels. Any other (iCCP, gAMA, cHRM, eXIf, acTL, …)
 * sends the file to sharp, which knows what it means.
 */
const PLAIN_CHUNKS: ReadonlySet<string> = new Set([
  'IHDR',
  'PLTE',
  'tRNS',
  'IDAT',
  'IEND',
  'sRGB',
  'pHYs',
  'tEXt',
  'zTXt',
  'iTXt',
  'tIME',
  'bKGD',
  'sBIT',
])
/** Grey, RGB, palette, grey + alpha, RGBA (PNG colour types). */
const COLOUR_TYPES: ReadonlySet<number> = new Set([0, 2, 3, 4, 6])

/** Whether the file's chunk list and header allow the fast path at this size. */
function isPlainPng(bytes: Uint8Array, size: number): boolean {
  if (bytes.length < 45 || !SIGNATURE.equals(bytes.subarray(0, 8))) return false
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // IHDR comes first: width, height, bit depth, colour type.
  if (view.getUint32(8) !== 13 || view.getUint32(12) !== 0x49484452) return false
  if (view.getUint32(16) !== size || view.getUint32(20) !== size) return false
  const bitDepth = bytes[24] as number
  const colourType = bytes[25] as number
  if (!COLOUR_TYPES.has(colourType) || (bitDepth !== 8 && !(colourType === 3 && bitDepth < 8)))
    return false
  let position = 8
  while (position + 12 <= bytes.length) {
    const length = view.getUint32(position)
    const type = String.fromCharCode(...bytes.subarray(position + 4, position + 8))
    if (!PLAIN_CHUNKS.has(type)) return false
    // Transparency by palette entry is what the fast path is checked on; a grey or RGB key colour
    // is rare enough to leave to sharp.
    if (type === 'tRNS' && colourType !== 3) return false
    if (type === 'IEND') return true
    position += 12 + length
  }
  return false
}

/**
 * size×size RGB bytes of a plain PNG at that size, equal to what the sharp pipeline makes of it
 * (alpha over white, truncated as libvips does); undefined when the file is not one or does not
 * decode (CRCs are checked), for sharp to handle.
 */
export function decodePlainPngRgb(bytes: Uint8Array, size: number): Uint8Array | undefined {
  if (!isPlainPng(bytes, size)) return undefined
  let rgba: Uint8Array
  try {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    if (png.width !== size || png.height !== size) return undefined
    rgba = png.data
  } catch {
    return undefined
  }
  const pixels = size * size
  if (rgba.length !== pixels * 4) return undefined
  const rgb = new Uint8Array(pixels * 3)
  for (let i = 0, o = 0; i < pixels * 4; i += 4, o += 3) {
    const alpha = rgba[i + 3] as number
    if (alpha === 255) {
      rgb[o] = rgba[i] as number
      rgb[o + 1] = rgba[i + 1] as number
      rgb[o + 2] = rgba[i + 2] as number
    } else {
      const white = 255 * (255 - alpha)
      rgb[o] = ((rgba[i] as number) * alpha + white) / 255
      rgb[o + 1] = ((rgba[i + 1] as number) * alpha + white) / 255
      rgb[o + 2] = ((rgba[i + 2] as number) * alpha + white) / 255
    }
  }
  return rgb
}
