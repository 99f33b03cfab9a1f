// Fashion-MNIST (Debian's dataset-fashion-mnist, idx files) as the datasets clients upload: one
// grayscale PNG per image under images/ and coco/annotations.json, so the benchmark trains through
// the same loading and decoding code as a job. Converted folders are kept in the OS temp folder,
// keyed by split and image count, so later runs start at once. TRAINING_SERVER_FASHION_MNIST names
// another folder of the same idx files (the smoke test writes a tiny one; it also points TMPDIR
// at its own folder, so its conversions never pass for the real dataset's).

import { existsSync } from 'node:fs'
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import pLimit from 'p-limit'
import sharp from 'sharp'

export const FASHION_MNIST_DIR =
  process.env.TRAINING_SERVER_FASHION_MNIST ?? '/usr/share/datasets/fashion-mnist'
export const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const
const SIDE = 28
const CACHE_PREFIX = 'training-server-fashion-mnist-'
/** Written last: a folder without it is a conversion that did not finish. */
const COMPLETE_MARKER = '.complete'

export type FashionSplit = 'train' | 't10k'

export async function readIdx(file: string, headerBytes: number): Promise<Uint8Array> {
  const raw = gunzipSync(await readFile(join(FASHION_MNIST_DIR, file)))
  return new Uint8Array(raw.buffer, raw.byteOffset + headerBytes, raw.byteLength - headerBytes)
}

/** The first `count` images of a split as a COCO-layout dataset folder; returns its path. */
export async function fashionMnistDataset(split: FashionSplit, count: number): Promise<string> {
  const root = join(tmpdir(), `${CACHE_PREFIX}${split}-${count}`)
  if (existsSync(join(root, COMPLETE_MARKER))) return root
  await rm(root, { recursive: true, force: true })
  const pixels = await readIdx(`${split}-images-idx3-ubyte.gz`, 16)
  const labels = await readIdx(`${split}-labels-idx1-ubyte.gz`, 8)
  const available = labels.length
  if (count > available) throw new Error(`${split} has ${available} images, not ${count}`)
  await mkdir(join(root, 'images'), { recursive: true })
  await mkdir(join(root, 'coco'), { recursive: true })
  const fileName = (n: number) => `${split}-${String(n).padStart(5, '0')}.png`
  const limit = pLimit(8)
  await Promise.all(
    Array.from({ length: count }, (_, n) =>
      limit(() =>
        sharp(Buffer.from(pixels.subarray(n * SIDE * SIDE, (n + 1) * SIDE * SIDE)), {
          raw: { width: SIDE, height: SIDE, channels: 1 },
        })
          .png()
          .toFile(join(root, 'images', fileName(n))),
      ),
    ),
  )
  const document = {
    info: { description: `Fashion-MNIST ${split}, first ${count} images`, version: '1.0' },
    categories: FASHION_CLASSES.map((name, i) => ({ id: i + 1, name })),
    images: Array.from({ length: count }, (_, n) => ({
      id: n,
      file_name: fileName(n),
      width: SIDE,
      height: SIDE,
    })),
    annotations: Array.from({ length: count }, (_, n) => ({
      id: n + 1,
      image_id: n,
      category_id: (labels[n] as number) + 1,
    })),
  }
  await writeFile(join(root, 'coco', 'annotations.json'), JSON.stringify(document))
  await writeFile(join(root, COMPLETE_MARKER), '')
  return root
}

/** Removes every converted folder; returns how many there were. */
export async function removeFashionMnistCaches(): Promise<number> {
  const names = (await readdir(tmpdir())).filter((name) => name.startsWith(CACHE_PREFIX))
  await Promise.all(names.map((name) => rm(join(tmpdir(), name), { recursive: true, force: true })))
  return names.length
}
