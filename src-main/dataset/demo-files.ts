// Writing a generated demo dataset in the seed's layout: the images, encoded four at a time, and
// coco/annotations.json with the info, licence, categories and images every demo set shares.

import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pLimit from 'p-limit'

export interface DemoImageFile {
  fileName: string
  width: number
  height: number
  encode: () => Promise<Buffer>
}

export interface DemoAnnotations {
  description: string
  seed: number
  /** In category id order from 1. */
  categories: { name: string; supercategory?: string }[]
  images: readonly DemoImageFile[]
  /** Each as written; `image_id` is the image's index in `images`. */
  annotations: readonly object[]
}

/** images/ and coco/ under root, with every image encoded into images/. */
export async function writeDemoImages(
  root: string,
  images: readonly DemoImageFile[],
): Promise<void> {
  await mkdir(join(root, 'coco'), { recursive: true })
  await mkdir(join(root, 'images'), { recursive: true })
  const limit = pLimit(4)
  await Promise.all(
    images.map((image) =>
      limit(async () => writeFile(join(root, 'images', image.fileName), await image.encode())),
    ),
  )
}

export async function writeDemoAnnotations(root: string, set: DemoAnnotations): Promise<void> {
  const document = {
    info: {
      description: set.description,
      version: '1.0',
      contributor: 'Training Server',
      seed: set.seed,
    },
    licences: [{ id: 1, name: 'Public Domain', url: '' }],
    categories: set.categories.map((category, i) => ({ id: i + 1, ...category })),
    images: set.images.map((image, id) => ({
      id,
      licence: 1,
      file_name: image.fileName,
      height: image.height,
      width: image.width,
    })),
    annotations: set.annotations,
  }
  await writeFile(join(root, 'coco', 'annotations.json'), `${JSON.stringify(document, null, 4)}\n`)
}
