// The COCO mask library at evaluation sizes: one JSON line each for rasterising 1,000 polygons
// of 20 points on a 640 × 480 image, and for the mask IoUs of 100 detections against 100 ground
// truths (10,000 pairs), in milliseconds. Small: runs in about a second. `--repeat N` repeats and
// then prints a median line per case; round 0 includes the JIT's warm-up.
//
//   npx tsx bench/coco-mask.bench.ts [--repeat 1] [--polygons 1000]

import { performance } from 'node:perf_hooks'
import { positiveIntegerOption } from './bench-options'
import { RunLog } from './bench-summary'
import { rleFromPolygon } from '../src-shared/coco-mask/polygon-to-rle'
import { maskIouMatrix } from '../src-shared/coco-mask/mask-iou'
import type { Rle } from '../src-shared/coco-mask/rle'
import { seededRandom } from '../src-shared/seeded-random'

const HEIGHT = 480
const WIDTH = 640

/** Star-shaped polygons around random centres: object outlines of varied size, some overlapping. */
function randomPolygons(count: number, points: number, random: () => number): number[][] {
  return Array.from({ length: count }, () => {
    const cx = random() * WIDTH
    const cy = random() * HEIGHT
    const radius = 10 + random() * 150
    const xy: number[] = []
    for (let i = 0; i < points; i++) {
      const angle = (2 * Math.PI * i) / points
      const r = radius * (0.5 + 0.5 * random())
      xy.push(cx + r * Math.cos(angle), cy + r * Math.sin(angle))
    }
    return xy
  })
}

function timed<T>(run: () => T): { ms: number; result: T } {
  const start = performance.now()
  const result = run()
  return { ms: Math.round((performance.now() - start) * 100) / 100, result }
}

function main(): void {
  const repeat = positiveIntegerOption('repeat', 1)
  // Fewer polygons only for smoke runs; the IoU case needs at least 200 masks.
  const count = Math.max(200, positiveIntegerOption('polygons', 1000))
  const random = seededRandom(1)
  const log = new RunLog((line) => String(line.case))
  for (let round = 0; round < repeat; round++) {
    const polygons = randomPolygons(count, 20, random)
    const raster = timed(() => polygons.map((xy) => rleFromPolygon(xy, HEIGHT, WIDTH)))
    log.print({
      bench: 'coco-mask',
      round,
      case: 'polygon-to-rle',
      polygons: count,
      points: 20,
      height: HEIGHT,
      width: WIDTH,
      ms: raster.ms,
    })
    const masks: Rle[] = raster.result
    const detections = masks.slice(0, 100)
    const truths = masks.slice(100, 200)
    const crowd = truths.map((_, g) => g % 10 === 0)
    const iou = timed(() => maskIouMatrix(detections, truths, crowd))
    const overlapping = iou.result.flat().filter((value) => value > 0).length
    log.print({
      bench: 'coco-mask',
      round,
      case: 'mask-iou',
      detections: 100,
      truths: 100,
      overlapping,
      ms: iou.ms,
    })
  }
  log.printMedians()
}

main()
