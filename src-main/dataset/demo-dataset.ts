// A generated dataset in the seed's exact layout (coco/annotations.json + images/), so the app can
// be tried, tested and benchmarked without anyone's data. Each class is a shape; colour, position,
// scale, rotation, background noise, image size and file format vary at random, so a model has to
// learn the shape. Everything comes from one seeded generator: a seed always gives the same bytes.

import sharp from 'sharp'
import { AppFailure, appError } from '../../src-shared/errors'
import { seededRandom } from '../../src-shared/seeded-random'
import { writeDemoAnnotations, writeDemoImages } from './demo-files'

export interface DemoDatasetOptions {
  seed?: number
  /** Number of classes, 2 to DEMO_SHAPES.length (default 4). */
  classes?: number
  imagesPerClass?: number
  /** Longest side in pixels; sides vary from 40% of it up to it (default 160: 64–160 px). */
  size?: number
  format?: 'jpeg' | 'png' | 'mixed'
}

/** Shapes drawn in a 100×100 box centred on the origin, in class order. */
export const DEMO_SHAPES = [
  { name: 'circle', svg: '<circle r="48"/>' },
  { name: 'square', svg: '<rect x="-40" y="-40" width="80" height="80"/>' },
  { name: 'triangle', svg: '<polygon points="0,-50 48,38 -48,38"/>' },
  { name: 'cross', svg: '<path d="M-14,-48h28v34h34v28h-34v34h-28v-34h-34v-28h34z"/>' },
  { name: 'ring', svg: '<circle r="40" fill="none" stroke="currentColor" stroke-width="16"/>' },
  {
    name: 'star',
    svg: '<polygon points="0,-50 12,-16 48,-16 19,6 29,40 0,20 -29,40 -19,6 -48,-16 -12,-16"/>',
  },
  { name: 'diamond', svg: '<polygon points="0,-50 36,0 0,50 -36,0"/>' },
  { name: 'arrow', svg: '<polygon points="-48,-14 8,-14 8,-40 48,0 8,40 8,14 -48,14"/>' },
] as const

const DEFAULTS = { seed: 1, classes: 4, imagesPerClass: 40, size: 160, format: 'jpeg' } as const

export function checkInteger(field: string, value: number, min: number, max: number): number {
  if (Number.isInteger(value) && value >= min && value <= max) return value
  throw new AppFailure(
    appError('INVALID_DEMO_OPTIONS', `${field} must be an integer from ${min} to ${max}`, {
      field,
      details: { value },
    }),
  )
}

export function hslToRgb(
  hue: number,
  saturation: number,
  lightness: number,
): [number, number, number] {
  const k = (n: number) => (n + hue / 30) % 12
  const a = saturation * Math.min(lightness, 1 - lightness)
  const channel = (n: number) =>
    Math.round(255 * (lightness - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))))
  return [channel(0), channel(8), channel(4)]
}

interface DemoImage {
  fileName: string
  width: number
  height: number
  shape: number
  encode: () => Promise<Buffer>
}

/** Draws one image's parameters now (in a fixed order), and defers the pixel work. */
function planImage(
  random: () => number,
  shape: number,
  index: number,
  size: number,
  format: DemoDatasetOptions['format'],
): DemoImage {
  const between = (low: number, high: number) => low + (high - low) * random()
  const minSide = Math.max(16, Math.round(size * 0.4))
  const width = Math.round(between(minSide, size))
  const height = Math.max(minSide, Math.min(size, Math.round(width * between(0.8, 1.25))))
  // A light shape on a dark background, hues at random: the shape never blends in, and with one
  // polarity a small network learns the shapes from 40 images per class.
  const background = hslToRgb(between(0, 360), between(0.2, 0.8), between(0.12, 0.32))
  const colour = hslToRgb(between(0, 360), between(0.5, 1), between(0.65, 0.85))
  // Shapes stay large and near the centre, within a quarter of the free space: small datasets do
  // not teach a network much translation invariance.
  const extent = Math.min(width, height) * between(0.6, 0.75)
  const cx = width / 2 + (between(-1, 1) * (width - extent)) / 8
  const cy = height / 2 + (between(-1, 1) * (height - extent)) / 8
  const angle = between(-10, 10)
  const noise = Math.round(between(4, 14))
  const noiseSeed = Math.floor(random() * 2 ** 32)
  const png = format === 'png' || (format === 'mixed' && random() < 0.5)
  const fileName = `${String(index + 1).padStart(8, '0')}.${png ? 'png' : 'jpg'}`
  const fill = `rgb(${colour.join(',')})`

  const encode = async () => {
    const pixels = Buffer.alloc(width * height * 3)
    const grain = seededRandom(noiseSeed)
    for (let i = 0; i < pixels.length; i++) {
      const base = background[i % 3] ?? 0
      pixels[i] = Math.max(0, Math.min(255, Math.round(base + (grain() * 2 - 1) * noise)))
    }
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<g transform="translate(${cx.toFixed(2)} ${cy.toFixed(2)}) rotate(${angle.toFixed(2)}) scale(${(extent / 100).toFixed(4)})" fill="${fill}" color="${fill}">` +
      `${DEMO_SHAPES[shape]?.svg ?? ''}</g></svg>`
    const image = sharp(pixels, { raw: { width, height, channels: 3 } }).composite([
      { input: Buffer.from(svg), top: 0, left: 0 },
    ])
    return png ? image.png().toBuffer() : image.jpeg({ quality: 88 }).toBuffer()
  }
  return { fileName, width, height, shape, encode }
}

export async function writeDemoDataset(
  root: string,
  opts: DemoDatasetOptions = {},
): Promise<{ images: number; classes: string[] }> {
  const seed = checkInteger('seed', opts.seed ?? DEFAULTS.seed, 0, 2 ** 32 - 1)
  const classCount = checkInteger(
    'classes',
    opts.classes ?? DEFAULTS.classes,
    2,
    DEMO_SHAPES.length,
  )
  const perClass = checkInteger(
    'imagesPerClass',
    opts.imagesPerClass ?? DEFAULTS.imagesPerClass,
    1,
    10_000,
  )
  const size = checkInteger('size', opts.size ?? DEFAULTS.size, 16, 1024)
  const format = opts.format ?? DEFAULTS.format
  if (!['jpeg', 'png', 'mixed'].includes(format))
    throw new AppFailure(
      appError('INVALID_DEMO_OPTIONS', 'format must be jpeg, png or mixed', { field: 'format' }),
    )

  const random = seededRandom(seed)
  // Classes are interleaved in a shuffled order, so neither file names nor ids give the label away.
  const shapes = Array.from({ length: classCount * perClass }, (_, i) => i % classCount)
  for (let i = shapes.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[shapes[i], shapes[j]] = [shapes[j] ?? 0, shapes[i] ?? 0]
  }
  const images = shapes.map((shape, index) => planImage(random, shape, index, size, format))

  await writeDemoImages(root, images)

  const classes = DEMO_SHAPES.slice(0, classCount).map((shape) => shape.name)
  await writeDemoAnnotations(root, {
    description: 'Training Server demo dataset: one shape per class',
    seed,
    categories: classes.map((name) => ({ name })),
    images,
    annotations: images.map((image, id) => ({
      id: id + 1,
      image_id: id,
      category_id: image.shape + 1,
    })),
  })
  return { images: images.length, classes }
}
