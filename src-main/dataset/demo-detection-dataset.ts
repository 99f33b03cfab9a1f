// A generated object-detection dataset in the seed's layout (coco/annotations.json with bbox, area
// and iscrowd, plus images/): one to five coloured shapes per image at varied positions, sizes and
// overlaps, on noisy, graded or striped backgrounds. Each class has its own shape and hue, so a
// small detector can learn it in minutes; everything comes from one seed, which fixes every byte.

import sharp from 'sharp'
import { AppFailure, appError } from '../../src-shared/errors'
import { seededRandom } from '../../src-shared/seeded-random'
import { checkInteger, hslToRgb } from './demo-dataset'
import { writeDemoAnnotations, writeDemoImages } from './demo-files'

export interface DemoDetectionOptions {
  seed?: number
  images?: number
  /**
   * Side of the square images in pixels (default 96: a 96 px run costs 56% of a 128 px one, and the
   * objects, 8–45% of the side, still span 2–11 heatmap cells).
   */
  size?: number
  format?: 'jpeg' | 'png'
}

type Point = readonly [number, number]

/** A five-pointed star's outline, for the polygon table below. */
function starPoints(): Point[] {
  return Array.from({ length: 10 }, (_, i) => {
    const radius = i % 2 === 0 ? 1 : 0.45
    const angle = -Math.PI / 2 + (i * Math.PI) / 5
    return [radius * Math.cos(angle), radius * Math.sin(angle)] as const
  })
}

/** Outlines stretched to fill the unit box [0, 1]², so a shape's box is exactly where it is drawn. */
function fitUnitBox(points: readonly Point[]): Point[] {
  const xs = points.map(([x]) => x)
  const ys = points.map(([, y]) => y)
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]
  return points.map(([x, y]) => [(x - x0) / (x1 - x0), (y - y0) / (y1 - y0)] as const)
}

/** Share of the unit box a polygon covers: its area as COCO means it (the object's, not the box's). */
function polygonShare(points: readonly Point[]): number {
  let twice = 0
  points.forEach(([x, y], i) => {
    const [nx, ny] = points[(i + 1) % points.length] ?? [0, 0]
    twice += x * ny - nx * y
  })
  return Math.abs(twice) / 2
}

/** Classes in category order: a shape (undefined outline: an ellipse) and a hue well apart from the others. */
export const DETECTION_SHAPES = [
  { name: 'circle', hue: 0, outline: undefined },
  {
    name: 'square',
    hue: 215,
    outline: fitUnitBox([
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ]),
  },
  {
    name: 'triangle',
    hue: 125,
    outline: fitUnitBox([
      [0.5, 0],
      [1, 1],
      [0, 1],
    ]),
  },
  { name: 'star', hue: 52, outline: fitUnitBox(starPoints()) },
] as const

const DEFAULTS = { seed: 1, images: 240, size: 96, format: 'jpeg' } as const
const MAX_OBJECTS = 5
/** Object sides as shares of the image side. */
const SMALLEST = 0.08
const LARGEST = 0.45
/** No object may hide more than this share of another one's box: every object stays findable. */
const MAX_COVERED = 0.3
const PLACEMENT_TRIES = 30

interface DemoObject {
  shape: number
  bbox: [number, number, number, number]
  area: number
  fill: string
}

interface DemoImage {
  fileName: string
  objects: DemoObject[]
  encode: () => Promise<Buffer>
}

const round2 = (value: number) => Math.round(value * 100) / 100

function covered(a: readonly number[], b: readonly number[]): number {
  const [ax = 0, ay = 0, aw = 0, ah = 0] = a
  const [bx = 0, by = 0, bw = 0, bh = 0] = b
  const iw = Math.min(ax + aw, bx + bw) - Math.max(ax, bx)
  const ih = Math.min(ay + ah, by + bh) - Math.max(ay, by)
  if (iw <= 0 || ih <= 0) return 0
  return (iw * ih) / Math.min(aw * ah, bw * bh)
}

function shapeSvg(object: DemoObject): string {
  const [x, y, w, h] = object.bbox
  const outline = DETECTION_SHAPES[object.shape]?.outline
  if (outline === undefined)
    return `<ellipse cx="${round2(x + w / 2)}" cy="${round2(y + h / 2)}" rx="${round2(w / 2)}" ry="${round2(h / 2)}" fill="${object.fill}"/>`
  const points = outline.map(([px, py]) => `${round2(x + px * w)},${round2(y + py * h)}`)
  return `<polygon points="${points.join(' ')}" fill="${object.fill}"/>`
}

export type Texture = (x: number, y: number, channel: number) => number

/** A muted background: plain, a gradient between two tones, or soft stripes at an angle. */
export function planTexture(random: () => number, size: number): Texture {
  const between = (low: number, high: number) => low + (high - low) * random()
  const tone = () => hslToRgb(between(0, 360), between(0, 0.2), between(0.2, 0.7))
  const first = tone()
  const second = tone()
  const kind = Math.floor(random() * 3)
  const angle = between(0, Math.PI)
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)]
  const period = between(6, 24)
  const mix = (t: number, channel: number) =>
    (first[channel] ?? 0) * (1 - t) + (second[channel] ?? 0) * t
  if (kind === 0) return (_x, _y, channel) => first[channel] ?? 0
  if (kind === 1)
    return (x, y, channel) =>
      mix(Math.min(1, Math.max(0, ((x * dx + y * dy) / size + 1) / 2)), channel)
  return (x, y, channel) =>
    mix((1 + Math.sin(((x * dx + y * dy) / period) * 2 * Math.PI)) / 2, channel)
}

/** The background's pixels (RGB, row-major): the texture plus seeded grain of ±`grain` levels. */
export function paintBackground(
  texture: Texture,
  grain: number,
  grainSeed: number,
  size: number,
): Buffer {
  const pixels = Buffer.alloc(size * size * 3)
  const noise = seededRandom(grainSeed)
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let channel = 0; channel < 3; channel++) {
        const value = texture(x, y, channel) + (noise() * 2 - 1) * grain
        pixels[(y * size + x) * 3 + channel] = Math.max(0, Math.min(255, Math.round(value)))
      }
  return pixels
}

/** Draws one image's parameters now (in a fixed order), and defers the pixel work. */
function planImage(
  random: () => number,
  index: number,
  size: number,
  format: 'jpeg' | 'png',
): DemoImage {
  const between = (low: number, high: number) => low + (high - low) * random()
  const texture = planTexture(random, size)
  const grain = Math.round(between(4, 12))
  const grainSeed = Math.floor(random() * 2 ** 32)
  const wanted = 1 + Math.floor(random() * MAX_OBJECTS)
  const objects: DemoObject[] = []
  for (let n = 0; n < wanted; n++) {
    const shape = Math.floor(random() * DETECTION_SHAPES.length)
    const side = size * between(SMALLEST, LARGEST)
    const aspect = Math.sqrt(between(0.75, 1.33))
    const w = round2(Math.min(size * LARGEST, side * aspect))
    const h = round2(Math.min(size * LARGEST, side / aspect))
    const colour = hslToRgb(
      (DETECTION_SHAPES[shape]?.hue ?? 0) + between(-8, 8),
      between(0.8, 1),
      between(0.45, 0.6),
    )
    // The first object always fits; a later one is left out when no free spot turns up.
    for (let attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
      const bbox: DemoObject['bbox'] = [
        round2(between(0, size - w)),
        round2(between(0, size - h)),
        w,
        h,
      ]
      if (objects.some((other) => covered(other.bbox, bbox) > MAX_COVERED)) continue
      const outline = DETECTION_SHAPES[shape]?.outline
      const share = outline === undefined ? Math.PI / 4 : polygonShare(outline)
      objects.push({ shape, bbox, area: round2(w * h * share), fill: `rgb(${colour.join(',')})` })
      break
    }
  }
  const fileName = `${String(index + 1).padStart(8, '0')}.${format === 'png' ? 'png' : 'jpg'}`

  const encode = async () => {
    const pixels = paintBackground(texture, grain, grainSeed, size)
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
      `${objects.map(shapeSvg).join('')}</svg>`
    const image = sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).composite([
      { input: Buffer.from(svg), top: 0, left: 0 },
    ])
    return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 90 }).toBuffer()
  }
  return { fileName, objects, encode }
}

export async function writeDemoDetectionDataset(
  root: string,
  opts: DemoDetectionOptions = {},
): Promise<{ images: number; boxes: number; classes: string[] }> {
  const seed = checkInteger('seed', opts.seed ?? DEFAULTS.seed, 0, 2 ** 32 - 1)
  const count = checkInteger('images', opts.images ?? DEFAULTS.images, 1, 100_000)
  const size = checkInteger('size', opts.size ?? DEFAULTS.size, 32, 1024)
  const format = opts.format ?? DEFAULTS.format
  if (format !== 'jpeg' && format !== 'png')
    throw new AppFailure(
      appError('INVALID_DEMO_OPTIONS', 'format must be jpeg or png', { field: 'format' }),
    )

  const random = seededRandom(seed)
  const images = Array.from({ length: count }, (_, index) => planImage(random, index, size, format))

  const files = images.map((image) => ({ ...image, width: size, height: size }))
  await writeDemoImages(root, files)

  const classes = DETECTION_SHAPES.map((shape) => shape.name)
  let nextId = 1
  const annotations = images.flatMap((image, imageId) =>
    image.objects.map((object) => ({
      id: nextId++,
      image_id: imageId,
      category_id: object.shape + 1,
      bbox: object.bbox,
      area: object.area,
      iscrowd: 0,
    })),
  )
  await writeDemoAnnotations(root, {
    description: 'Training Server demo detection dataset: coloured shapes on textured backgrounds',
    seed,
    categories: classes.map((name) => ({ name, supercategory: 'shape' })),
    images: files,
    annotations,
  })
  return { images: images.length, boxes: annotations.length, classes }
}
