// Facts about every file under a dataset's images/ folder (size, pixel dimensions, whether it
// can be decoded), from file headers only, so a dataset of thousands of images probes quickly.

import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import pLimit from 'p-limit'
import type { ImageFileFacts } from '../../src-shared/validate-annotations'
import { IMAGE_FORMATS, pixelLimitProblem, readImageHeader, reasonOf } from './image-input'

const DEFAULT_CONCURRENCY = 8

/** Paths of all files below dir, relative to it with '/' separators; none when dir is absent. */
async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  let entries
  try {
    entries = await readdir(join(dir, prefix), { withFileTypes: true })
  } catch {
    return []
  }
  const files: string[] = []
  for (const entry of entries) {
    const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    if (entry.isDirectory()) files.push(...(await listFiles(dir, relative)))
    else files.push(relative)
  }
  return files
}

export async function probeImageFile(file: string): Promise<ImageFileFacts> {
  let bytes = 0
  try {
    const info = await stat(file)
    if (!info.isFile()) return { bytes, readable: false, problem: 'is not a regular file' }
    bytes = info.size
  } catch (thrown) {
    return { bytes, readable: false, problem: reasonOf(thrown) }
  }
  if (bytes === 0) return { bytes, readable: false, problem: 'is empty (0 bytes)' }
  try {
    const metadata = await readImageHeader(file)
    const width = metadata.autoOrient?.width ?? metadata.width
    const height = metadata.autoOrient?.height ?? metadata.height
    if (!IMAGE_FORMATS.has(metadata.format))
      return {
        bytes,
        width,
        height,
        readable: false,
        problem: `${metadata.format} images are not supported`,
      }
    if (!(width > 0 && height > 0))
      return { bytes, readable: false, problem: 'has no pixel dimensions in its header' }
    const tooLarge = pixelLimitProblem(width, height)
    if (tooLarge !== undefined) return { bytes, width, height, readable: false, problem: tooLarge }
    return { bytes, width, height, readable: true }
  } catch (thrown) {
    return { bytes, readable: false, problem: reasonOf(thrown) }
  }
}

export async function probeImageFiles(
  imagesDir: string,
  opts: { concurrency?: number } = {},
): Promise<Map<string, ImageFileFacts>> {
  const names = (await listFiles(imagesDir)).sort()
  const limit = pLimit(Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY))
  const facts = await Promise.all(
    names.map((name) => limit(() => probeImageFile(join(imagesDir, ...name.split('/'))))),
  )
  return new Map(names.map((name, i) => [name, facts[i] ?? { bytes: 0, readable: false }]))
}
