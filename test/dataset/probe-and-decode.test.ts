import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { decodeImageRgb, RESIZE_MODE } from '../../src-main/dataset/decode-image'
import { probeImageFiles } from '../../src-main/dataset/probe-images'
import { ODD_IMAGES, writeOddImages } from './odd-images'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts-odd-images-'))
  await writeOddImages(dir)
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The RGB triple at (x, y) of a decoded square image. */
function pixel(rgb: Uint8Array, size: number, x: number, y: number): number[] {
  const at = (y * size + x) * 3
  return [rgb[at] ?? -1, rgb[at + 1] ?? -1, rgb[at + 2] ?? -1]
}

async function decodeFailure(file: string): Promise<AppFailure> {
  try {
    await decodeImageRgb(file, 8)
  } catch (thrown) {
    if (thrown instanceof AppFailure) return thrown
    throw thrown
  }
  throw new Error(`${file} decoded`)
}

describe('probeImageFiles', () => {
  it('gives facts for every file, recursively, without throwing for bad ones', async () => {
    const facts = await probeImageFiles(dir, { concurrency: 3 })
    expect([...facts.keys()].sort()).toEqual(Object.keys(ODD_IMAGES).sort())
    for (const [name, expected] of Object.entries(ODD_IMAGES)) {
      const found = facts.get(name)
      expect(found?.readable, name).toBe(expected.readable)
      if ('width' in expected)
        expect([found?.width, found?.height], name).toEqual([expected.width, expected.height])
      if ('problem' in expected) expect(found?.problem, name).toMatch(expected.problem)
      else expect(found?.problem, name).toBeUndefined()
    }
    expect(facts.get('empty.jpg')?.bytes).toBe(0)
    expect(facts.get('plain.jpg')?.bytes).toBeGreaterThan(100)
  })

  it('gives an empty map for a missing folder', async () => {
    expect((await probeImageFiles(join(dir, 'nope'))).size).toBe(0)
  })
})

describe('decodeImageRgb', () => {
  it('stretches to the square', () => {
    expect(RESIZE_MODE).toBe('fill')
  })

  it('returns size×size×3 bytes for every readable kind of file', async () => {
    for (const [name, expected] of Object.entries(ODD_IMAGES)) {
      if (!expected.readable || 'decodes' in expected) continue
      const rgb = await decodeImageRgb(join(dir, name), 12)
      expect(rgb, name).toBeInstanceOf(Uint8Array)
      expect(rgb.length, name).toBe(12 * 12 * 3)
    }
  })

  it('keeps the colours of an 8-bit, a 16-bit and a webp file', async () => {
    for (const name of ['plain.jpg', 'deep.png', 'nested/deeper/plain.webp']) {
      const rgb = await decodeImageRgb(join(dir, name), 8)
      const [r, g, b] = pixel(rgb, 8, 1, 4)
      expect(r, name).toBeGreaterThan(200)
      expect(g, name).toBeLessThan(50)
      expect(b, name).toBeLessThan(60)
      expect(pixel(rgb, 8, 6, 4)[2], name).toBeGreaterThan(200)
    }
    // 16-bit input comes out as the same 8-bit values, not as high or low bytes of 16-bit ones.
    expect(pixel(await decodeImageRgb(join(dir, 'deep.png'), 8), 8, 0, 0)).toEqual([255, 0, 0])
  })

  it('takes the first frame of an animation', async () => {
    expect(pixel(await decodeImageRgb(join(dir, 'animated.gif'), 4), 4, 3, 3)).toEqual([255, 0, 0])
  })

  it('applies the EXIF orientation', async () => {
    // Stored left red / right blue, orientation 6 (turn 90° clockwise): shown top red / bottom blue.
    const rgb = await decodeImageRgb(join(dir, 'rotated.jpg'), 8)
    const top = pixel(rgb, 8, 4, 1)
    const bottom = pixel(rgb, 8, 4, 6)
    expect(top[0]).toBeGreaterThan(200)
    expect(top[2]).toBeLessThan(60)
    expect(bottom[2]).toBeGreaterThan(200)
    expect(bottom[0]).toBeLessThan(60)
  })

  it('turns grayscale into equal RGB, alpha into white and CMYK into RGB', async () => {
    const gray = await decodeImageRgb(join(dir, 'gray.png'), 8)
    const [r, g, b] = pixel(gray, 8, 1, 1)
    expect(r).toBe(g)
    expect(g).toBe(b)
    expect(pixel(await decodeImageRgb(join(dir, 'alpha.png'), 8), 8, 3, 3)).toEqual([255, 255, 255])
    const cmyk = pixel(await decodeImageRgb(join(dir, 'cmyk.jpg'), 8), 8, 1, 4)
    expect(cmyk[0]).toBeGreaterThan(150)
    expect(cmyk[0]).toBeGreaterThan((cmyk[2] ?? 0) + 100)
  })

  it('throws IMAGE_UNREADABLE with the file for what it cannot decode', async () => {
    const names = ['empty.jpg', 'text.jpg', 'truncated.png', 'cut.jpg', 'bomb.png', 'missing.jpg']
    for (const name of names) {
      const failure = await decodeFailure(join(dir, name))
      expect(failure.error.code, name).toBe('IMAGE_UNREADABLE')
      expect(failure.error.file, name).toBe(join(dir, name))
    }
    const bomb = await decodeFailure(join(dir, 'bomb.png'))
    expect(bomb.error.message).toMatch(/100 megapixel limit/)
  })

  it('refuses a size that is not a positive integer', async () => {
    await expect(decodeImageRgb(join(dir, 'plain.jpg'), 0)).rejects.toThrow(AppFailure)
    await expect(decodeImageRgb(join(dir, 'plain.jpg'), 2.5)).rejects.toThrow(/integer/)
  })
})
