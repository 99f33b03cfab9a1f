import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { PNG, type ColorType } from 'pngjs'
import sharp, { type PngOptions } from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { decodeImageBufferRgb, decodeImageRgb } from '../../src-main/dataset/decode-image'
import { decodePlainPngRgb } from '../../src-main/dataset/decode-plain-png'

const SIDE = 256

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'decode-plain-png-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Every value against every alpha: x is the value, y the alpha. */
function rgbaRamp(): Buffer {
  const raw = Buffer.alloc(SIDE * SIDE * 4)
  for (let y = 0; y < SIDE; y++)
    for (let x = 0; x < SIDE; x++) {
      const o = (y * SIDE + x) * 4
      raw.set([x, 255 - x, (x * 7 + y) & 255, y], o)
    }
  return raw
}

function pngjsFile(colorType: ColorType, bitDepth: 8 | 16 = 8): Buffer {
  const png = new PNG({ width: SIDE, height: SIDE })
  rgbaRamp().copy(png.data)
  return PNG.sync.write(png, { colorType, bitDepth, inputColorType: 6 })
}

function sharpFile(channels: 3 | 4, options: PngOptions, size = SIDE): Promise<Buffer> {
  const raw = rgbaRamp()
  const pixels =
    channels === 4
      ? raw
      : Buffer.from(raw.filter((_, i) => i % 4 !== 3)).subarray(0, SIDE * SIDE * 3)
  return sharp(pixels, { raw: { width: SIDE, height: SIDE, channels } })
    .resize(size, size)
    .png(options)
    .toBuffer()
}

/** What the sharp pipeline makes of the file (read from disk, so no fast path). */
async function sharpPixels(bytes: Buffer, size: number, name: string): Promise<Uint8Array> {
  const file = join(dir, name)
  writeFileSync(file, bytes)
  return decodeImageRgb(file, size)
}

describe('decodePlainPngRgb', () => {
  // Each case with the PNG header it must have (bit depth, colour type), so it tests what it says.
  const plainCases: [string, () => Promise<Buffer> | Buffer, [number, number]][] = [
    ['RGB', () => sharpFile(3, {}), [8, 2]],
    ['RGBA, every alpha', () => sharpFile(4, {}), [8, 6]],
    ['grey', () => pngjsFile(0), [8, 0]],
    ['grey + alpha', () => pngjsFile(4), [8, 4]],
    ['interlaced', () => sharpFile(4, { progressive: true }), [8, 6]],
    ['palette, 8 bits', () => sharpFile(3, { palette: true, colours: 200 }), [8, 3]],
    ['palette, 4 bits', () => sharpFile(3, { palette: true, colours: 16 }), [4, 3]],
    ['palette, 2 bits', () => sharpFile(3, { palette: true, colours: 4 }), [2, 3]],
    ['palette with transparency', () => sharpFile(4, { palette: true, colours: 64 }), [8, 3]],
  ]
  it.each(plainCases)('%s: the same pixels as the sharp pipeline', async (name, make, header) => {
    const bytes = await make()
    expect([bytes[24], bytes[25]]).toEqual(header)
    if (name === 'interlaced') expect(bytes[28]).toBe(1)
    if (name === 'palette with transparency') expect(bytes.includes('tRNS')).toBe(true)
    const fast = decodePlainPngRgb(bytes, SIDE)
    expect(fast).toBeDefined()
    const expected = await sharpPixels(bytes, SIDE, `${name.replace(/\W+/g, '-')}.png`)
    expect(fast?.length).toBe(expected.length)
    // One comparison of the whole buffers; a per-element diff of 196,608 values is unreadable.
    expect(Buffer.from(fast as Uint8Array).equals(Buffer.from(expected))).toBe(true)
  })

  it('leaves to sharp what it cannot decode the same way', async () => {
    const rgb = await sharpFile(3, {})
    // Another input size: sharp resizes.
    expect(decodePlainPngRgb(rgb, SIDE / 2)).toBeUndefined()
    // 16-bit samples: sharp converts them.
    expect(decodePlainPngRgb(pngjsFile(6, 16), SIDE)).toBeUndefined()
    // A colour profile: sharp converts to sRGB.
    const profiled = await sharp(rgb).withIccProfile('p3').png().toBuffer()
    expect(decodePlainPngRgb(profiled, SIDE)).toBeUndefined()
    // A key colour (tRNS on an RGB image): left to sharp, the fast path is checked on palettes.
    const body = Buffer.concat([Buffer.from('tRNS'), Buffer.from([0, 0, 0, 0, 0, 0])])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    const keyColour = Buffer.concat([
      rgb.subarray(0, 33),
      Buffer.from([0, 0, 0, 6]),
      body,
      crc,
      rgb.subarray(33),
    ])
    expect(decodePlainPngRgb(keyColour, SIDE)).toBeUndefined()
    // Not a PNG.
    const jpeg = await sharp(rgb).jpeg().toBuffer()
    expect(decodePlainPngRgb(jpeg, SIDE)).toBeUndefined()
  })

  it('declines a file with corrupt data, and the decode fails as sharp says', async () => {
    const rgb = await sharpFile(3, {})
    const corrupt = Buffer.from(rgb)
    // A byte inside the first IDAT's data: its CRC no longer matches.
    const idat = corrupt.indexOf('IDAT')
    corrupt[idat + 20] = (corrupt[idat + 20] as number) ^ 0xff
    expect(decodePlainPngRgb(corrupt, SIDE)).toBeUndefined()
    const error = await decodeImageBufferRgb(corrupt, SIDE, 'bad.png').then(
      () => undefined,
      (thrown: unknown) => thrown,
    )
    expect(error).toBeInstanceOf(AppFailure)
    expect((error as AppFailure).error.code).toBe('IMAGE_UNREADABLE')
    expect((error as AppFailure).error.file).toBe('bad.png')
    // Cut short: no IEND.
    expect(decodePlainPngRgb(rgb.subarray(0, rgb.length - 40), SIDE)).toBeUndefined()
  })

  it('resized and JPEG files still decode through sharp, as from the file', async () => {
    const rgb = await sharpFile(3, {})
    const jpeg = await sharp(rgb).jpeg().toBuffer()
    for (const [bytes, name] of [
      [rgb, 'resized.png'],
      [jpeg, 'photo.jpg'],
    ] as const) {
      const fromBytes = await decodeImageBufferRgb(bytes, 64, name)
      const fromFile = await sharpPixels(bytes, 64, name)
      expect(Buffer.from(fromBytes).equals(Buffer.from(fromFile))).toBe(true)
    }
  })
})
