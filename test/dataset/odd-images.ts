// Image files of every awkward kind a dataset may hold, written by code so no binary fixtures
// live in the repository.

import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import sharp from 'sharp'

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** A tiny PNG whose header declares width×height pixels: a decompression bomb for any reader. */
export function pngDeclaring(width: number, height: number): Buffer {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, default compression, filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

/** 30×20 stored pixels: left half red, right half blue. */
function halves() {
  const pixels = Buffer.alloc(30 * 20 * 3)
  for (let y = 0; y < 20; y++)
    for (let x = 0; x < 30; x++) pixels.set(x < 15 ? [255, 0, 0] : [0, 0, 255], (y * 30 + x) * 3)
  return sharp(pixels, { raw: { width: 30, height: 20, channels: 3 } })
}

function solid(background: string) {
  return sharp({ create: { width: 30, height: 20, channels: 3, background } })
}

function noise(width: number, height: number) {
  const pixels = Buffer.alloc(width * height * 3)
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7919) % 251
  return sharp(pixels, { raw: { width, height, channels: 3 } })
}

export const ODD_IMAGES = {
  'plain.jpg': { readable: true, width: 30, height: 20 },
  'empty.jpg': { readable: false, problem: /empty/ },
  'text.jpg': { readable: false, problem: /unsupported image format/ },
  'truncated.png': { readable: false, problem: /./ },
  'gray.png': { readable: true, width: 30, height: 20 },
  'alpha.png': { readable: true, width: 30, height: 20 },
  'deep.png': { readable: true, width: 30, height: 20 },
  'cmyk.jpg': { readable: true, width: 30, height: 20 },
  // Stored 30×20 with EXIF orientation 6: shown (and measured) as 20×30.
  'rotated.jpg': { readable: true, width: 20, height: 30 },
  // Two frames, red then blue: the first one is the picture.
  'animated.gif': { readable: true, width: 30, height: 20 },
  'nested/deeper/plain.webp': { readable: true, width: 30, height: 20 },
  // The header is intact (a probe passes it); the pixel data stops at 60%.
  'cut.jpg': { readable: true, width: 200, height: 200, decodes: false },
  'bomb.png': { readable: false, width: 20000, height: 20000, problem: /megapixel limit/ },
  'vector.jpg': { readable: false, problem: /svg images are not supported/ },
} as const

export async function writeOddImages(dir: string): Promise<void> {
  const file = (name: keyof typeof ODD_IMAGES) => join(dir, name)
  await mkdir(join(dir, 'nested', 'deeper'), { recursive: true })
  const png = await halves().png().toBuffer()
  await Promise.all([
    halves().jpeg().toFile(file('plain.jpg')),
    writeFile(file('empty.jpg'), Buffer.alloc(0)),
    writeFile(file('text.jpg'), 'this is not an image\n'),
    writeFile(file('truncated.png'), png.subarray(0, 20)),
    halves().toColourspace('b-w').png().toFile(file('gray.png')),
    sharp({
      create: { width: 30, height: 20, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toFile(file('alpha.png')),
    halves().toColourspace('rgb16').png().toFile(file('deep.png')),
    halves().toColourspace('cmyk').jpeg().toFile(file('cmyk.jpg')),
    halves().jpeg().withMetadata({ orientation: 6 }).toFile(file('rotated.jpg')),
    halves().webp().toFile(file('nested/deeper/plain.webp')),
    Promise.all(
      ['#ff0000', '#0000ff'].map((background) => solid(background).png().toBuffer()),
    ).then((frames) =>
      sharp(frames, { join: { animated: true } })
        .gif()
        .toFile(file('animated.gif')),
    ),
    noise(200, 200)
      .jpeg()
      .toBuffer()
      .then((jpeg) => writeFile(file('cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.6)))),
    writeFile(file('bomb.png'), pngDeclaring(20000, 20000)),
    writeFile(
      file('vector.jpg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    ),
  ])
}
