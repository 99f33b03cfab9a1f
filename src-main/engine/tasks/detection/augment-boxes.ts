// Training-time variations of a detection image that move its boxes with its pixels: a mirror
// image, a zoom in or out (a crop, or the image shrunk onto a plain border) at a random place, and
// a change of brightness and contrast. Boxes are clipped to the new frame, and boxes mostly cut
// off are dropped, so no target points at an object that is no longer there. Drawn from a seeded
// stream: the same seed gives the same variations.

import type { DetectionBox } from './train-detector'

const MIRROR_PROBABILITY = 0.5
/**
 * Zoom factors between these, drawn evenly on a log scale: 0.75× shows more scene, 1.33× less.
 * 0.6–1.5× shrank the smallest demo objects to 5 px (barely a heatmap cell) and slowed a 20-epoch
 * run: on demo client2 it was at validation mAP@.5 0.18 after 3 epochs where this range is at 0.39
 * (DETECTION_RECIPE says how the whole run ends).
 */
export const ZOOM_RANGE = { min: 0.75, max: 1.33 } as const
/** Brightness and contrast factors between 0.75 and 1.25. */
const MAX_TONE_CHANGE = 0.25
/** A box keeps its object only while at least this share of it stays in the frame. */
const MIN_VISIBLE_SHARE = 0.4
/** Boxes narrower or lower than this (in pixels) after clipping are dropped. */
const MIN_SIDE_PX = 2

/** One image's variation: output = scale × (mirrored) source + shift, in pixels. */
export interface BoxVariation {
  mirror: boolean
  scale: number
  shiftX: number
  shiftY: number
  brightness: number
  contrast: number
}

export function drawBoxVariation(random: () => number, size: number): BoxVariation {
  const mirror = random() < MIRROR_PROBABILITY
  const scale = Math.exp(
    Math.log(ZOOM_RANGE.min) + random() * Math.log(ZOOM_RANGE.max / ZOOM_RANGE.min),
  )
  // Zoomed in, the shift keeps the frame inside the image; zoomed out, the image inside the frame.
  const room = size - scale * size
  const shift = () => Math.min(0, room) + random() * Math.abs(room)
  const shiftX = shift()
  const shiftY = shift()
  const tone = () => 1 + (random() * 2 - 1) * MAX_TONE_CHANGE
  return { mirror, scale, shiftX, shiftY, brightness: tone(), contrast: tone() }
}

/**
 * Renders the variation of one size×size RGB image: each output pixel sampled (bilinear) from
 * where the inverse transform puts it; outside the source, the image's mean colour (a zoomed-out
 * image sits on a plain border rather than a black one); then brightness and contrast.
 */
export function renderBoxVariation(
  pixels: Uint8Array,
  from: number,
  size: number,
  out: Float32Array,
  to: number,
  v: BoxVariation,
): void {
  const area = size * size
  const mean = [0, 0, 0]
  for (let i = 0; i < area; i++)
    for (let c = 0; c < 3; c++) mean[c] = (mean[c] as number) + (pixels[from + i * 3 + c] as number)
  for (let c = 0; c < 3; c++) mean[c] = (mean[c] as number) / area
  const last = size - 1
  const sample = (x: number, y: number, c: number) =>
    pixels[from + (y * size + x) * 3 + c] as number
  for (let y = 0; y < size; y++) {
    // Pixel centres map to pixel centres: source = (output + ½ − shift) / scale − ½.
    const sy = (y + 0.5 - v.shiftY) / v.scale - 0.5
    for (let x = 0; x < size; x++) {
      const target = to + (y * size + x) * 3
      const mx = (x + 0.5 - v.shiftX) / v.scale - 0.5
      const sx = v.mirror ? last - mx : mx
      if (sx < -0.5 || sy < -0.5 || sx > last + 0.5 || sy > last + 0.5) {
        for (let c = 0; c < 3; c++) out[target + c] = mean[c] as number
        continue
      }
      const cx = Math.min(last, Math.max(0, sx))
      const cy = Math.min(last, Math.max(0, sy))
      const x0 = Math.floor(cx)
      const y0 = Math.floor(cy)
      const x1 = Math.min(last, x0 + 1)
      const y1 = Math.min(last, y0 + 1)
      const fx = cx - x0
      const fy = cy - y0
      for (let c = 0; c < 3; c++) {
        const top = sample(x0, y0, c) + (sample(x1, y0, c) - sample(x0, y0, c)) * fx
        const bottom = sample(x0, y1, c) + (sample(x1, y1, c) - sample(x0, y1, c)) * fx
        out[target + c] = top + (bottom - top) * fy
      }
    }
  }
  const level = ((mean[0] as number) + (mean[1] as number) + (mean[2] as number)) / 3
  const end = to + area * 3
  for (let i = to; i < end; i++) {
    const value = ((out[i] as number) - level) * v.contrast + level * v.brightness
    out[i] = value < 0 ? 0 : value > 255 ? 255 : value
  }
}

/** The boxes after the variation: moved, clipped to the frame, mostly hidden ones dropped. */
export function moveBoxes(
  boxes: readonly DetectionBox[],
  size: number,
  v: BoxVariation,
): DetectionBox[] {
  const moved: DetectionBox[] = []
  for (const box of boxes) {
    const [x, y, w, h] = box.bbox
    const left = (v.mirror ? size - x - w : x) * v.scale + v.shiftX
    const top = y * v.scale + v.shiftY
    const width = w * v.scale
    const height = h * v.scale
    const x0 = Math.max(0, left)
    const y0 = Math.max(0, top)
    const x1 = Math.min(size, left + width)
    const y1 = Math.min(size, top + height)
    if (x1 - x0 < MIN_SIDE_PX || y1 - y0 < MIN_SIDE_PX) continue
    // A crowd region stays a crowd region however little of it shows.
    const visible = ((x1 - x0) * (y1 - y0)) / (width * height)
    if (box.iscrowd === 0 && visible < MIN_VISIBLE_SHARE) continue
    moved.push({ ...box, bbox: [x0, y0, x1 - x0, y1 - y0] })
  }
  return moved
}
