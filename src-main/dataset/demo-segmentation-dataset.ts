// A generated instance-segmentation dataset in the seed's layout: two to five rotated shapes per
// image on the detection demo's textured backgrounds, some overlapping. Each object's mask is what
// is visible of it: an object nothing covers is written as its polygon, one partly hidden by a
// later shape as the compressed RLE of its visible pixels, so both of COCO's forms are exercised.
// Everything comes from one seed, which fixes every byte.

import sharp from 'sharp'
import { rleFromPolygon } from '../../src-shared/coco-mask/polygon-to-rle'
import { rleArea, rleDecode, rleEncode, rleToBbox, type Rle } from '../../src-shared/coco-mask/rle'
import { rleToCompressed, type CompressedRle } from '../../src-shared/coco-mask/rle-string'
import { seededRandom } from '../../src-shared/seeded-random'
import { checkInteger, hslToRgb } from './demo-dataset'
import { paintBackground, planTexture } from './demo-detection-dataset'
import { writeDemoAnnotations, writeDemoImages } from './demo-files'

export interface DemoSegmentationOptions {
  seed?: number
  images?: number
  /** Side of the square images in pixels (default 128). */
  size?: number
}

type Point = readonly [number, number]

function regular(corners: number, inner?: number): Point[] {
  const count = inner === undefined ? corners : corners * 2
  return Array.from({ length: count }, (_, i) => {
    const radius = inner !== undefined && i % 2 === 1 ? inner : 1
    const angle = -Math.PI / 2 + (i * 2 * Math.PI) / count
    return [radius * Math.cos(angle), radius * Math.sin(angle)] as const
  })
}

/** Classes in category order: an outline around the origin within radius 1, and a hue. */
export const SEGMENTATION_SHAPES = [
  { name: 'disc', hue: 0, outline: regular(32) },
  { name: 'square', hue: 215, outline: regular(4) },
  { name: 'triangle', hue: 125, outline: regular(3) },
  { name: 'star', hue: 52, outline: regular(5, 0.45) },
] as const

const DEFAULTS = { seed: 3, images: 200, size: 128 } as const
const MIN_OBJECTS = 2
const MAX_OBJECTS = 5
/** Object radii as shares of the image side. */
const SMALLEST = 0.07
const LARGEST = 0.22
/** A placement is refused when it would leave an earlier object less than this share visible. */
const MIN_VISIBLE = 0.55
const PLACEMENT_TRIES = 30

interface DemoObject {
  shape: number
  /** Flat [x1, y1, x2, y2, …] in image pixels. */
  polygon: number[]
  full: Uint8Array
  fill: string
}

interface PlannedMask {
  segmentation: number[][] | CompressedRle
  bbox: [number, number, number, number]
  area: number
}

const round2 = (value: number) => Math.round(value * 100) / 100

function outlineAt(shape: number, cx: number, cy: number, radius: number, angle: number): number[] {
  const outline = SEGMENTATION_SHAPES[shape]?.outline ?? []
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)]
  return outline.flatMap(([x, y]) => [
    round2(cx + radius * (x * cos - y * sin)),
    round2(cy + radius * (x * sin + y * cos)),
  ])
}

function count(mask: Uint8Array): number {
  let total = 0
  for (const value of mask) total += value
  return total
}

/** What is left of `mask` where none of `above` lies. */
function visiblePart(mask: Uint8Array, above: readonly Uint8Array[]): Uint8Array {
  const visible = Uint8Array.from(mask)
  for (const other of above) for (let i = 0; i < visible.length; i++) if (other[i]) visible[i] = 0
  return visible
}

/** True when every placed object (and the new one) keeps enough of itself in view. */
function keepsObjectsVisible(objects: readonly DemoObject[]): boolean {
  return objects.every((object, i) => {
    const visible = count(
      visiblePart(
        object.full,
        objects.slice(i + 1).map((o) => o.full),
      ),
    )
    return visible >= MIN_VISIBLE * count(object.full)
  })
}

function maskOf(object: DemoObject, above: readonly DemoObject[], size: number): PlannedMask {
  const visible = visiblePart(
    object.full,
    above.map((o) => o.full),
  )
  const rle: Rle = rleEncode(visible, size, size)
  const whole = count(visible) === count(object.full)
  return {
    segmentation: whole ? [object.polygon] : rleToCompressed(rle),
    bbox: rleToBbox(rle),
    area: rleArea(rle),
  }
}

function planImage(random: () => number, index: number, size: number) {
  const between = (low: number, high: number) => low + (high - low) * random()
  const texture = planTexture(random, size)
  const grain = Math.round(between(4, 12))
  const grainSeed = Math.floor(random() * 2 ** 32)
  const wanted = MIN_OBJECTS + Math.floor(random() * (MAX_OBJECTS - MIN_OBJECTS + 1))
  const objects: DemoObject[] = []
  for (let n = 0; n < wanted; n++) {
    const shape = Math.floor(random() * SEGMENTATION_SHAPES.length)
    const radius = size * between(SMALLEST, LARGEST)
    const angle = between(0, 2 * Math.PI)
    const colour = hslToRgb(
      (SEGMENTATION_SHAPES[shape]?.hue ?? 0) + between(-8, 8),
      between(0.8, 1),
      between(0.45, 0.6),
    )
    for (let attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
      const polygon = outlineAt(
        shape,
        between(radius, size - radius),
        between(radius, size - radius),
        radius,
        angle,
      )
      const full = rleDecode(rleFromPolygon(polygon, size, size))
      const candidate = { shape, polygon, full, fill: `rgb(${colour.join(',')})` }
      if (!keepsObjectsVisible([...objects, candidate])) continue
      objects.push(candidate)
      break
    }
  }
  const masks = objects.map((object, i) => maskOf(object, objects.slice(i + 1), size))
  const fileName = `${String(index + 1).padStart(8, '0')}.png`
  const encode = async () => {
    const polygons = objects.map((object) => {
      const points: string[] = []
      for (let i = 0; i < object.polygon.length; i += 2)
        points.push(`${object.polygon[i]},${object.polygon[i + 1]}`)
      return `<polygon points="${points.join(' ')}" fill="${object.fill}"/>`
    })
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">${polygons.join('')}</svg>`
    return (
      sharp(paintBackground(texture, grain, grainSeed, size), {
        raw: { width: size, height: size, channels: 3 },
      })
        .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
        // The SVG overlay brings an alpha channel; training images are plain RGB.
        .removeAlpha()
        .png()
        .toBuffer()
    )
  }
  return { fileName, objects, masks, encode }
}

export async function writeDemoSegmentationDataset(
  root: string,
  opts: DemoSegmentationOptions = {},
): Promise<{ images: number; objects: number; occluded: number; classes: string[] }> {
  const seed = checkInteger('seed', opts.seed ?? DEFAULTS.seed, 0, 2 ** 32 - 1)
  const total = checkInteger('images', opts.images ?? DEFAULTS.images, 1, 100_000)
  const size = checkInteger('size', opts.size ?? DEFAULTS.size, 32, 1024)
  const random = seededRandom(seed)
  const images = Array.from({ length: total }, (_, index) => planImage(random, index, size))

  const files = images.map((image) => ({ ...image, width: size, height: size }))
  await writeDemoImages(root, files)
  const classes = SEGMENTATION_SHAPES.map((shape) => shape.name)
  let nextId = 1
  let occluded = 0
  const annotations = images.flatMap((image, imageId) =>
    image.objects.map((object, i) => {
      const mask = image.masks[i] as PlannedMask
      if (!Array.isArray(mask.segmentation)) occluded++
      return {
        id: nextId++,
        image_id: imageId,
        category_id: object.shape + 1,
        segmentation: mask.segmentation,
        bbox: mask.bbox,
        area: mask.area,
        iscrowd: 0,
      }
    }),
  )
  await writeDemoAnnotations(root, {
    description: 'Training Server demo segmentation dataset: overlapping shapes with their masks',
    seed,
    categories: classes.map((name) => ({ name, supercategory: 'shape' })),
    images: files,
    annotations,
  })
  return { images: images.length, objects: annotations.length, occluded, classes }
}
