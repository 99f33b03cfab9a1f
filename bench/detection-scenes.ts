// A detection dataset made of real photographs' worth of texture nobody here drew: Fashion-MNIST
// items (Debian's dataset-fashion-mnist) resized and pasted, one to several per scene, onto noisy,
// graded or striped backgrounds. Each box is the tight box of the item's own visible pixels (its
// silhouette, less what later items cover), not the rectangle it was pasted in, and its area is that
// pixel count, as COCO's area is the object's. Training scenes draw only from the training images,
// held-out scenes only from the test images, so a score on them is a score on unseen items. Written
// in the clients' layout (images/*.png + coco/annotations.json) so the product's own validation
// reads it; folders are kept in the OS temp folder, keyed by every option, so later runs start at once.

import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pLimit from 'p-limit'
import sharp from 'sharp'
import { seededRandom } from '../src-shared/seeded-random'
import { hslToRgb } from '../src-main/dataset/demo-dataset'
import { FASHION_CLASSES, readIdx, type FashionSplit } from './fashion-mnist-dataset'

export type SceneSplit = 'train' | 'test'

export interface SceneOptions {
  split: SceneSplit
  scenes: number
  /** Side of the square scenes in pixels. */
  size?: number
  /** Side of a pasted item before its aspect is varied, drawn uniformly in this range (pixels). */
  minItem?: number
  maxItem?: number
  /** Items per scene: 1 to this many. */
  maxItems?: number
  /** The first `classes` Fashion-MNIST classes; items of the others are never pasted. */
  classes?: number
  seed?: number
  /** 'flat': one colour, no grain; lets a test find every pasted pixel by comparison. */
  background?: 'textured' | 'flat'
}

export type ResolvedSceneOptions = Required<SceneOptions>

export const SCENE_DEFAULTS: Omit<ResolvedSceneOptions, 'split' | 'scenes'> = {
  size: 128,
  minItem: 16,
  maxItem: 56,
  maxItems: 5,
  classes: FASHION_CLASSES.length,
  seed: 7,
  background: 'textured',
}

/** Bumped whenever the drawing changes, so stale cached folders are not reused. */
const SCENE_VERSION = 1
const CACHE_PREFIX = 'training-server-detection-scenes-'
const COMPLETE_MARKER = '.complete'
const SIDE = 28
/** Item pixels at or below this (after resizing) are the item's black surround, not the item. */
const SURROUND = 16
/** Item pixels this bright and up are opaque; dimmer ones blend, so edges are not jagged. */
const OPAQUE = 96
/** A later item may hide at most this share of an earlier one's pixels: every item stays findable. */
const MAX_HIDDEN = 0.4
const PLACEMENT_TRIES = 30

export interface SceneBox {
  categoryId: number
  bbox: [number, number, number, number]
  /** Visible pixels of the item. */
  area: number
}

interface SourceImages {
  pixels: Uint8Array
  /** Indices of the images whose class is among the chosen ones. */
  usable: number[]
  labels: Uint8Array
}

export function resolveSceneOptions(options: SceneOptions): ResolvedSceneOptions {
  const resolved = { ...SCENE_DEFAULTS, ...options }
  const { size, minItem, maxItem, maxItems, classes, scenes } = resolved
  const positive = [size, minItem, maxItem, maxItems, classes, scenes]
  if (!positive.every((n) => Number.isInteger(n) && n > 0))
    throw new Error('scene options must be positive integers')
  if (minItem > maxItem || maxItem > size) throw new Error('item sizes must fit the scene')
  if (classes > FASHION_CLASSES.length) throw new Error(`at most ${FASHION_CLASSES.length} classes`)
  return resolved
}

const sourceCache = new Map<string, Promise<SourceImages>>()

/** A split's items of the chosen classes; read once per process (a split is tens of megabytes). */
function readSources(split: SceneSplit, classes: number): Promise<SourceImages> {
  const key = `${split}:${classes}`
  const cached = sourceCache.get(key)
  if (cached) return cached
  const reading = (async () => {
    const prefix: FashionSplit = split === 'train' ? 'train' : 't10k'
    const pixels = await readIdx(`${prefix}-images-idx3-ubyte.gz`, 16)
    const labels = await readIdx(`${prefix}-labels-idx1-ubyte.gz`, 8)
    const usable: number[] = []
    labels.forEach((label, n) => {
      if (label < classes) usable.push(n)
    })
    return { pixels, labels, usable }
  })()
  sourceCache.set(key, reading)
  reading.catch(() => sourceCache.delete(key))
  return reading
}

/** One 28×28 item bilinearly resampled to w×h (pixel centres aligned). */
function resizeItem(source: Uint8Array, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h)
  for (let y = 0; y < h; y++) {
    const v = Math.min(SIDE - 1, Math.max(0, ((y + 0.5) * SIDE) / h - 0.5))
    const y0 = Math.floor(v)
    const y1 = Math.min(SIDE - 1, y0 + 1)
    const fy = v - y0
    for (let x = 0; x < w; x++) {
      const u = Math.min(SIDE - 1, Math.max(0, ((x + 0.5) * SIDE) / w - 0.5))
      const x0 = Math.floor(u)
      const x1 = Math.min(SIDE - 1, x0 + 1)
      const fx = u - x0
      const at = (yy: number, xx: number) => source[yy * SIDE + xx] as number
      out[y * w + x] =
        (at(y0, x0) * (1 - fx) + at(y0, x1) * fx) * (1 - fy) +
        (at(y1, x0) * (1 - fx) + at(y1, x1) * fx) * fy
    }
  }
  return out
}

type Texture = (x: number, y: number, channel: number) => number

/** Noise, a gradient, stripes or blotches between two tones, with grain; 'flat' is one tone. */
function planBackground(
  random: () => number,
  size: number,
  flat: boolean,
): { texture: Texture; dark: boolean } {
  const between = (low: number, high: number) => low + (high - low) * random()
  const dark = random() < 0.5
  const lightness = () => (dark ? between(0.08, 0.35) : between(0.6, 0.9))
  const first = hslToRgb(between(0, 360), between(0, 0.5), lightness())
  const second = hslToRgb(between(0, 360), between(0, 0.5), lightness())
  if (flat) return { texture: (_x, _y, c) => first[c] ?? 0, dark }
  const kind = Math.floor(random() * 4)
  const angle = between(0, Math.PI)
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)]
  const period = between(5, 30)
  const grain = between(6, 28)
  const waves = Array.from({ length: 3 }, () => ({
    fx: between(-4, 4) / size,
    fy: between(-4, 4) / size,
    phase: between(0, 2 * Math.PI),
  }))
  const noise = seededRandom(Math.floor(random() * 2 ** 32))
  const mix = (t: number, c: number) => (first[c] ?? 0) * (1 - t) + (second[c] ?? 0) * t
  const share = (x: number, y: number): number => {
    if (kind === 0) return 0
    if (kind === 1) return Math.min(1, Math.max(0, ((x * dx + y * dy) / size + 1) / 2))
    if (kind === 2) return (1 + Math.sin(((x * dx + y * dy) / period) * 2 * Math.PI)) / 2
    const sum = waves.reduce(
      (total, w) => total + Math.sin(2 * Math.PI * (w.fx * x + w.fy * y) + w.phase),
      0,
    )
    return (sum / waves.length + 1) / 2
  }
  // Grain is drawn per pixel in raster order, so the texture must be read in that order once.
  const cache = new Float32Array(size * size * 3)
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const t = share(x, y)
      for (let c = 0; c < 3; c++)
        cache[(y * size + x) * 3 + c] = mix(t, c) + (noise() * 2 - 1) * grain
    }
  return { texture: (x, y, c) => cache[(y * size + x) * 3 + c] as number, dark }
}

/**
 * One scene's pixels (RGB, size×size), boxes, and which box owns each pixel (-1: background; the
 * visible silhouettes, row-major). Items are tinted to stand out from the background
 * (bright on dark, dark on light) with their own shading kept; later items lie on top.
 */
export function renderScene(
  random: () => number,
  sources: SourceImages,
  options: ResolvedSceneOptions,
): { pixels: Buffer; boxes: SceneBox[]; owner: Int16Array } {
  const { size, minItem, maxItem, maxItems } = options
  const between = (low: number, high: number) => low + (high - low) * random()
  const { texture, dark } = planBackground(random, size, options.background === 'flat')
  const rgb = new Float32Array(size * size * 3)
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++) rgb[(y * size + x) * 3 + c] = texture(x, y, c)
  const owner = new Int16Array(size * size).fill(-1)
  const visible: number[] = []
  const placed: { category: number; full: number }[] = []
  const wanted = 1 + Math.floor(random() * maxItems)
  for (let n = 0; n < wanted; n++) {
    const index = sources.usable[Math.floor(random() * sources.usable.length)] as number
    const side = between(minItem, maxItem)
    const aspect = Math.sqrt(between(0.8, 1.25))
    const w = Math.max(2, Math.min(size, Math.round(side * aspect)))
    const h = Math.max(2, Math.min(size, Math.round(side / aspect)))
    const item = resizeItem(
      sources.pixels.subarray(index * SIDE * SIDE, (index + 1) * SIDE * SIDE),
      w,
      h,
    )
    const tint = hslToRgb(
      between(0, 360),
      between(0.3, 1),
      dark ? between(0.6, 0.9) : between(0.1, 0.35),
    )
    let full = 0
    for (const value of item) if (value > SURROUND) full++
    if (full === 0) continue
    for (let attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
      const left = Math.floor(random() * (size - w + 1))
      const top = Math.floor(random() * (size - h + 1))
      const hidden = new Map<number, number>()
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          if ((item[y * w + x] as number) <= SURROUND) continue
          const below = owner[(top + y) * size + left + x] as number
          if (below >= 0) hidden.set(below, (hidden.get(below) ?? 0) + 1)
        }
      const tooMuch = [...hidden].some(
        ([other, count]) =>
          (visible[other] as number) - count < (1 - MAX_HIDDEN) * (placed[other]?.full ?? 0),
      )
      if (tooMuch) continue
      const id = placed.length
      placed.push({ category: sources.labels[index] as number, full })
      visible.push(full)
      for (const [other, count] of hidden) visible[other] = (visible[other] as number) - count
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const value = item[y * w + x] as number
          if (value <= SURROUND) continue
          const cell = (top + y) * size + left + x
          const alpha = Math.min(1, value / OPAQUE)
          const shade = value / 255
          owner[cell] = id
          for (let c = 0; c < 3; c++) {
            const t = tint[c] ?? 0
            const colour = dark ? t * shade : 255 - (255 - t) * shade
            rgb[cell * 3 + c] = (rgb[cell * 3 + c] as number) * (1 - alpha) + colour * alpha
          }
        }
      break
    }
  }
  const extents = placed.map(() => ({ x0: size, y0: size, x1: -1, y1: -1, area: 0 }))
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const id = owner[y * size + x] as number
      const e = extents[id]
      if (id < 0 || e === undefined) continue
      e.x0 = Math.min(e.x0, x)
      e.y0 = Math.min(e.y0, y)
      e.x1 = Math.max(e.x1, x)
      e.y1 = Math.max(e.y1, y)
      e.area++
    }
  const boxes = placed.map(({ category }, id) => {
    const e = extents[id] as (typeof extents)[number]
    return {
      categoryId: category + 1,
      bbox: [e.x0, e.y0, e.x1 - e.x0 + 1, e.y1 - e.y0 + 1] as SceneBox['bbox'],
      area: e.area,
    }
  })
  const pixels = Buffer.alloc(size * size * 3)
  for (let i = 0; i < pixels.length; i++)
    pixels[i] = Math.max(0, Math.min(255, Math.round(rgb[i] as number)))
  return { pixels, boxes, owner }
}

/** How a scene folder is kept and what each annotation gets beside its box (segmentation: a mask). */
export interface SceneLayout {
  cachePrefix: string
  annotate?: (owner: Int16Array, box: number, size: number) => Record<string, unknown>
}

const DETECTION_LAYOUT: SceneLayout = { cachePrefix: CACHE_PREFIX }

function cacheFolder(options: ResolvedSceneOptions, prefix: string): string {
  const key = createHash('sha256')
    .update(JSON.stringify({ version: SCENE_VERSION, ...options }))
    .digest('hex')
    .slice(0, 16)
  return join(tmpdir(), `${prefix}${options.split}-${options.scenes}-${key}`)
}

/**
 * The scenes as a COCO-layout dataset folder; returns its path. Built once per options in the temp
 * folder, or always afresh in `folder` when one is given (its caller removes it).
 */
export async function detectionScenes(
  options: SceneOptions,
  folder?: string,
  layout: SceneLayout = DETECTION_LAYOUT,
): Promise<string> {
  const resolved = resolveSceneOptions(options)
  const root = folder ?? cacheFolder(resolved, layout.cachePrefix)
  if (folder === undefined && existsSync(join(root, COMPLETE_MARKER))) return root
  await rm(root, { recursive: true, force: true })
  await mkdir(join(root, 'images'), { recursive: true })
  await mkdir(join(root, 'coco'), { recursive: true })
  const sources = await readSources(resolved.split, resolved.classes)
  // The two splits get different streams even with one seed, though they never share an item.
  const random = seededRandom(resolved.seed * 2 + (resolved.split === 'train' ? 0 : 1))
  const images: { id: number; file_name: string; width: number; height: number }[] = []
  const annotations: Record<string, unknown>[] = []
  const limit = pLimit(8)
  const writes: Promise<unknown>[] = []
  for (let n = 0; n < resolved.scenes; n++) {
    const { pixels, boxes, owner } = renderScene(random, sources, resolved)
    const fileName = `${resolved.split}-${String(n).padStart(6, '0')}.png`
    images.push({ id: n + 1, file_name: fileName, width: resolved.size, height: resolved.size })
    boxes.forEach((box, id) =>
      annotations.push({
        id: annotations.length + 1,
        image_id: n + 1,
        category_id: box.categoryId,
        bbox: box.bbox,
        area: box.area,
        iscrowd: 0,
        ...layout.annotate?.(owner, id, resolved.size),
      }),
    )
    const raw = { width: resolved.size, height: resolved.size, channels: 3 as const }
    // Unfiltered rows: a reader with nothing but zlib (the PyTorch peer) can decode them.
    writes.push(
      limit(() =>
        sharp(pixels, { raw })
          .png({ adaptiveFiltering: false })
          .toFile(join(root, 'images', fileName)),
      ),
    )
  }
  await Promise.all(writes)
  const document = {
    info: {
      description: `Fashion-MNIST scenes (${resolved.split === 'train' ? 'training' : 'test'} items)`,
      version: String(SCENE_VERSION),
    },
    categories: FASHION_CLASSES.slice(0, resolved.classes).map((name, i) => ({ id: i + 1, name })),
    images,
    annotations,
  }
  await writeFile(join(root, 'coco', 'annotations.json'), JSON.stringify(document))
  await writeFile(join(root, COMPLETE_MARKER), '')
  return root
}

/** Removes every scene folder; returns how many there were. */
export async function removeDetectionSceneCaches(prefix = CACHE_PREFIX): Promise<number> {
  const names = (await readdir(tmpdir())).filter((name) => name.startsWith(prefix))
  await Promise.all(names.map((name) => rm(join(tmpdir(), name), { recursive: true, force: true })))
  return names.length
}
