// How long COCO box evaluation takes on a validation set of typical size: one JSON line with
// the images, detections and milliseconds of evaluate + accumulate + summarize. Seeded, so
// every run scores the same boxes. One line per run, then (with --repeat above 1, default 3) a
// median line.
//
//   npx tsx bench/coco-eval.bench.ts [--images 500] [--detections 20] [--classes 5] [--repeat 3]

import type { CocoDetectionResult, CocoEvalGroundTruth } from '../src-shared/coco'
import { evaluateBoxes } from '../src-main/engine/evaluation/coco-eval'
import { positiveIntegerOption } from './bench-options'
import { RunLog } from './bench-summary'

const images = positiveIntegerOption('images', 500)
const perImage = positiveIntegerOption('detections', 20)
const classes = positiveIntegerOption('classes', 5)
const repeat = positiveIntegerOption('repeat', 3)

// A small LCG: fast, seedable and the same on every machine.
let seed = 12345
const random = (): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31
  return seed / 2 ** 31
}

const groundTruths: CocoEvalGroundTruth[] = []
const detections: CocoDetectionResult[] = []
for (let image = 1; image <= images; image++) {
  for (let category = 1; category <= classes; category++) {
    const objects = 1 + Math.floor(random() * 4)
    const boxes: [number, number, number, number][] = []
    for (let o = 0; o < objects; o++) {
      const w = 8 + random() * 150
      const h = 8 + random() * 150
      const bbox: [number, number, number, number] = [random() * 400, random() * 400, w, h]
      boxes.push(bbox)
      groundTruths.push({
        id: groundTruths.length + 1,
        image_id: image,
        category_id: category,
        bbox,
        area: w * h,
        iscrowd: random() < 0.05 ? 1 : 0,
      })
    }
    // Per image and class: jittered copies of the objects, then scattered false boxes.
    for (let d = 0; d < perImage; d++) {
      const base = boxes[d % boxes.length] as [number, number, number, number]
      const near = d < boxes.length * 2
      const bbox: [number, number, number, number] = near
        ? [
            base[0] + random() * 6 - 3,
            base[1] + random() * 6 - 3,
            base[2] * (0.9 + random() * 0.2),
            base[3],
          ]
        : [random() * 500, random() * 500, 10 + random() * 100, 10 + random() * 100]
      detections.push({
        image_id: image,
        category_id: category,
        bbox,
        score: Math.round(random() * 100) / 100,
      })
    }
  }
}

const input = {
  imageIds: Array.from({ length: images }, (_, i) => i + 1),
  categoryIds: Array.from({ length: classes }, (_, i) => i + 1),
  groundTruths,
  detections,
}
// Wall time is what a user waits; CPU time says how much of it was ours on a shared machine.
const log = new RunLog(() => 'coco-eval')
for (let run = 1; run <= repeat; run++) {
  const started = performance.now()
  const cpu = process.cpuUsage()
  const ap = evaluateBoxes(input).stats.ap
  const ms = performance.now() - started
  const cpuMs = process.cpuUsage(cpu).user / 1000
  log.print({
    bench: 'coco-eval',
    images,
    classes,
    detections: detections.length,
    groundTruths: groundTruths.length,
    ms: Math.round(ms * 10) / 10,
    cpuMs: Math.round(cpuMs * 10) / 10,
    ap: Math.round(ap * 1e4) / 1e4,
    run,
  })
}
log.printMedians()
