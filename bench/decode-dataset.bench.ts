// First-time decoding of a dataset of small images, as a training job does it: the first Fashion-
// MNIST training images as a client's PNG files (bench/fashion-mnist-dataset.ts), decoded into a
// fresh pixel cache by decodeDataset, then read again from that cache. Beside it, in the same run,
// sharp decoding each file on its own four at a time (the pipeline every image took before small
// PNGs had their fast path), so the ratio holds on a busy machine too. One JSON line per measure
// and a ratio line per run.
//
//   npx tsx bench/decode-dataset.bench.ts [--images 5000] [--size 28] [--repeat 1]
//
// --size other than 28 resizes every image, which is sharp's work either way.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pLimit from 'p-limit'
import { DEFAULT_TRAIN_PARAMS } from '../src-shared/train-params'
import { decodeImageRgb } from '../src-main/dataset/decode-image'
import { loadDataset } from '../src-main/dataset/load-dataset'
import { decodeDataset } from '../src-main/engine/worker/decode-dataset'
import type { TrainingMessage, TrainingRequest } from '../src-main/engine/worker/training-protocol'
import { FASHION_CLASSES, fashionMnistDataset } from './fashion-mnist-dataset'
import { positiveIntegerOption } from './bench-options'

/** The pipeline's concurrency before the fast path: four sharp calls at a time. */
const SHARP_CONCURRENCY = 4

const round = (value: number, digits: number) => Number(value.toFixed(digits))
const perSecond = (count: number, ms: number) => round(count / (ms / 1000), 0)

async function datasetRequest(count: number, cacheDir: string): Promise<TrainingRequest> {
  const root = await fashionMnistDataset('train', count)
  const { report, dataset } = await loadDataset(root, { trainType: 'classification' })
  if (dataset === undefined)
    throw new Error(`the dataset did not validate: ${JSON.stringify(report)}`)
  return {
    datasetRoot: root,
    classes: dataset.classes,
    items: dataset.items,
    params: DEFAULT_TRAIN_PARAMS,
    outDir: cacheDir,
    cacheDir,
    maxBadImageShare: 0,
  }
}

async function sharpEach(request: TrainingRequest, size: number): Promise<number> {
  const limit = pLimit(SHARP_CONCURRENCY)
  const started = performance.now()
  await Promise.all(
    request.items.map((item) =>
      limit(() => decodeImageRgb(join(request.datasetRoot, 'images', item.fileName), size)),
    ),
  )
  return performance.now() - started
}

async function timedDecode(
  request: TrainingRequest,
  size: number,
): Promise<{ ms: number; decoded: number; fromCache: number; progress: number }> {
  let progress = 0
  const post = (message: TrainingMessage) => {
    if (message.type === 'progress') progress++
  }
  const started = performance.now()
  const result = await decodeDataset(request, post, { size })
  const ms = performance.now() - started
  result.close()
  return { ms, decoded: result.decoded, fromCache: result.fromCache, progress }
}

async function main(): Promise<void> {
  const images = positiveIntegerOption('images', 5000)
  const size = positiveIntegerOption('size', 28)
  const repeat = positiveIntegerOption('repeat', 1)
  const base = await mkdtemp(join(tmpdir(), 'decode-bench-'))
  try {
    const probe = await datasetRequest(images, base)
    if (probe.classes.length !== FASHION_CLASSES.length)
      throw new Error(`expected ${FASHION_CLASSES.length} classes`)
    for (let run = 1; run <= repeat; run++) {
      const cacheDir = join(base, `run-${run}`)
      const request = { ...probe, outDir: cacheDir, cacheDir }
      const sharpMs = await sharpEach(request, size)
      const first = await timedDecode(request, size)
      const cached = await timedDecode(request, size)
      if (first.decoded !== images || cached.fromCache !== images)
        throw new Error(`decoded ${first.decoded}, then ${cached.fromCache} from the cache`)
      const common = { bench: 'decode-dataset', images, size, run }
      const sharpPerS = perSecond(images, sharpMs)
      const firstPerS = perSecond(images, first.ms)
      console.log(
        JSON.stringify({
          ...common,
          path: 'sharp-each',
          s: round(sharpMs / 1000, 3),
          images_per_s: sharpPerS,
        }),
      )
      console.log(
        JSON.stringify({
          ...common,
          path: 'first-time',
          s: round(first.ms / 1000, 3),
          images_per_s: firstPerS,
          progress_messages: first.progress,
        }),
      )
      console.log(
        JSON.stringify({
          ...common,
          path: 'cached',
          s: round(cached.ms / 1000, 3),
          images_per_s: perSecond(images, cached.ms),
        }),
      )
      console.log(
        JSON.stringify({
          ...common,
          path: 'ratio',
          first_time_over_sharp_each: round(firstPerS / sharpPerS, 2),
        }),
      )
    }
  } finally {
    await rm(base, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
