// Turning one image file into the model's input: size×size RGB bytes. Every format the dataset
// may hold ends up the same way (8-bit sRGB, EXIF orientation applied, alpha on white, first
// frame), so the model never sees a difference that comes from the file rather than the picture.

import type { Sharp } from 'sharp'
import { AppFailure, appError } from '../../src-shared/errors'
import { decodePlainPngRgb } from './decode-plain-png'
import { openImage, reasonOf } from './image-input'

/**
 * Images are stretched to the square input, not cropped: every pixel of the object stays in
 * frame. Exported models record this so that they are fed the same way elsewhere.
 */
export const RESIZE_MODE = 'fill' as const

export const MAX_DECODE_SIZE = 4096

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_DECODE_SIZE)
    throw new AppFailure(
      appError('INVALID_IMAGE_SIZE', `image size must be an integer from 1 to ${MAX_DECODE_SIZE}`, {
        field: 'size',
        details: { size },
      }),
    )
}

async function toModelInput(image: Sharp, size: number): Promise<Uint8Array> {
  const { data, info } = await image
    .autoOrient()
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .resize(size, size, { fit: RESIZE_MODE })
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
  if (info.channels !== 3 || data.length !== size * size * 3)
    throw new Error(`decoded to ${info.channels} channels and ${data.length} bytes`)
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
}

function unreadable(file: string, reason: string): AppFailure {
  return new AppFailure(
    appError('IMAGE_UNREADABLE', `${file} cannot be decoded: ${reason}`, { file }),
  )
}

export async function decodeImageRgb(file: string, size: number): Promise<Uint8Array> {
  checkSize(size)
  try {
    return await toModelInput(openImage(file), size)
  } catch (thrown) {
    throw unreadable(file, reasonOf(thrown))
  }
}

/**
 * The same as decodeImageRgb for a file already read into memory (to hash it, say); `file` only
 * names it in errors. Messages read as they would for the file itself. A plain PNG at the input
 * size skips sharp: the same pixels at a fraction of the cost.
 */
export async function decodeImageBufferRgb(
  bytes: Uint8Array,
  size: number,
  file: string,
): Promise<Uint8Array> {
  checkSize(size)
  const plain = decodePlainPngRgb(bytes, size)
  if (plain !== undefined) return plain
  try {
    return await toModelInput(openImage(bytes), size)
  } catch (thrown) {
    throw unreadable(file, reasonOf(thrown).replace(/^Input buffer /, ''))
  }
}
