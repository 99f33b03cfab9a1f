import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { thumbnail } from '../../src-main/dataset/thumbnails'
import { AppFailure } from '../../src-shared/errors'

let dir: string
let images: string
let cache: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ts-thumbnails-'))
  images = join(dir, 'images')
  cache = join(dir, 'cache')
  await mkdir(join(images, 'sub'), { recursive: true })
  const red = { create: { width: 300, height: 200, channels: 3, background: '#ff0000' } } as const
  await sharp(red).jpeg().toFile(join(images, 'a.jpg'))
  await sharp(red)
    .png()
    .toFile(join(images, 'sub', 'b.png'))
  await writeFile(join(dir, 'secret.jpg'), await sharp(red).jpeg().toBuffer())
  await symlink(join(dir, 'secret.jpg'), join(images, 'link.jpg'))
  await writeFile(join(images, 'broken.jpg'), 'not an image')
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function failure(file: string, size?: number): Promise<AppFailure> {
  try {
    await thumbnail(images, file, cache, size)
  } catch (thrown) {
    if (thrown instanceof AppFailure) return thrown
    throw thrown
  }
  throw new Error(`thumbnail of ${file} was made`)
}

describe('thumbnail', () => {
  it('makes a square webp once and serves it from the cache afterwards', async () => {
    const first = await thumbnail(images, 'a.jpg', cache)
    expect(first.contentType).toBe('image/webp')
    const meta = await sharp(first.path).metadata()
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 128, 128])
    const made = await stat(first.path)

    const second = await thumbnail(images, 'a.jpg', cache)
    expect(second.path).toBe(first.path)
    const again = await stat(second.path)
    expect([again.ino, again.mtimeMs]).toEqual([made.ino, made.mtimeMs])
    expect((await readdir(cache)).filter((name) => name.endsWith('.tmp'))).toEqual([])
  })

  it('keys the cache by size and by the source file', async () => {
    const small = await thumbnail(images, 'sub/b.png', cache, 64)
    const large = await thumbnail(images, 'sub/b.png', cache, 128)
    expect(small.path).not.toBe(large.path)
    expect((await sharp(small.path).metadata()).width).toBe(64)

    await sharp({ create: { width: 50, height: 50, channels: 3, background: '#0000ff' } })
      .png()
      .toFile(join(images, 'sub', 'b.png'))
    const changed = await thumbnail(images, 'sub/b.png', cache, 64)
    expect(changed.path).not.toBe(small.path)
    const { data } = await sharp(changed.path).raw().toBuffer({ resolveWithObject: true })
    expect(data[2]).toBeGreaterThan(200) // blue now
  })

  it('refuses file names that escape the images folder', async () => {
    for (const name of [
      '../secret.jpg',
      '/etc/passwd',
      'sub\\..\\..\\secret.jpg',
      'a\0.jpg',
      'sub/../../secret.jpg',
    ]) {
      const refused = await failure(name)
      expect(refused.error.code, name).toBe('UNSAFE_FILE_NAME')
      expect(refused.error.file, name).toBe(name)
    }
    expect((await failure('link.jpg')).error.code).toBe('UNSAFE_FILE_NAME')
  })

  it('reports missing and unreadable files and bad sizes', async () => {
    expect((await failure('nope.jpg')).error).toMatchObject({
      code: 'IMAGE_FILE_MISSING',
      file: 'nope.jpg',
    })
    expect((await failure('sub')).error.code).toBe('IMAGE_FILE_MISSING')
    expect((await failure('broken.jpg')).error).toMatchObject({
      code: 'IMAGE_UNREADABLE',
      file: 'broken.jpg',
    })
    expect((await readdir(cache)).filter((name) => name.endsWith('.tmp'))).toEqual([])
    expect((await failure('a.jpg', 5)).error).toMatchObject({
      code: 'INVALID_THUMBNAIL_SIZE',
      field: 'size',
    })
    // Any other size, even within the old range, would be one more cached file per image.
    const before = await readdir(cache)
    for (const size of [100, 127, 129, 512, 1024, 128.5]) {
      const refused = (await failure('a.jpg', size)).error
      expect(refused, String(size)).toMatchObject({ code: 'INVALID_THUMBNAIL_SIZE' })
      expect(refused.details?.allowed).toEqual([64, 128, 160, 256, 320])
    }
    expect(await readdir(cache)).toEqual(before)
  })
})
