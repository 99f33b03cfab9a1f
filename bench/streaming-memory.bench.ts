// Training from the on-disk pixel cache at Fashion-MNIST scale: the 60,000 training images are
// converted into a client dataset, decoded through decodeDataset into a fresh pixel cache (first
// run: every image decoded; second run: every image from the cache), and one epoch is trained from
// the streamed set. Then the same epoch runs from an in-memory ImageSet of the same pixels, for
// the speed ratio. One JSON line per measurement; peak RSS is the process's maximum so far.
//
//   npx tsx bench/streaming-memory.bench.ts [--threads 2] [--train-images 60000]
//       [--architecture reference|cnn] [--no-in-memory] [--repeat 1]
//
// --repeat N measures N times, each from a fresh pixel cache, then prints a median line of each.

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../src-shared/train-params'
import { openRecordStore } from '../src-main/cache/record-store'
import { loadDataset } from '../src-main/dataset/load-dataset'
import { selectImages, type ImageSet, type SampleSet } from '../src-main/engine/data/image-batches'
import { backendThreads, selectBackend } from '../src-main/engine/backend/select-backend'
import {
  splitStratified,
  trainClassifier,
} from '../src-main/engine/tasks/classification/train-classifier'
import { decodeDataset, pixelStoreDir } from '../src-main/engine/worker/decode-dataset'
import type { TrainingRequest } from '../src-main/engine/worker/training-protocol'
import { choiceOption, hasFlag, positiveIntegerOption } from './bench-options'
import { RunLog, ratioOf } from './bench-summary'
import { fashionMnistDataset } from './fashion-mnist-dataset'

const SIDE = 28
const RSS_LIMIT_MB = 2048

const round = (value: number, digits: number) => Number(value.toFixed(digits))
/** The process's largest resident set so far, in MB (maxRSS is in KiB). */
const peakRssMb = () => round(process.resourceUsage().maxRSS / 1024, 1)
const rssMb = () => round(process.memoryUsage().rss / 2 ** 20, 1)

async function trainOneEpoch(
  train: SampleSet | ImageSet,
  val: SampleSet | ImageSet,
  params: TrainParams,
  numClasses: number,
) {
  const run = await trainClassifier({
    train,
    val,
    numClasses,
    params,
    callbacks: { onEpoch: (m) => console.error(JSON.stringify({ epoch: m })) },
    recipe: { classWeights: false, reduceOnPlateau: false },
  })
  run.model.dispose()
  const epoch = run.epochs[0]
  if (epoch === undefined) throw new Error('no epoch was trained')
  return epoch
}

async function main(): Promise<void> {
  const threads = positiveIntegerOption('threads', 2)
  const trainImages = positiveIntegerOption('train-images', 60_000)
  const architecture = choiceOption('architecture', ['reference', 'cnn'], 'reference')
  const repeat = positiveIntegerOption('repeat', 1)

  await selectBackend('wasm', { threads })
  tf.env().set('PROD', true)
  const root = await fashionMnistDataset('train', trainImages)
  const { dataset } = await loadDataset(root, { trainType: 'classification' })
  if (dataset === undefined) throw new Error('the converted dataset did not validate')
  const params: TrainParams = {
    ...DEFAULT_TRAIN_PARAMS,
    architecture,
    epochs: 1,
    batchSize: 64,
    learningRate: 1e-3,
    imageSize: SIDE,
    augment: false,
    patience: 0,
  }
  const common = { images: dataset.items.length, threads: backendThreads(), architecture }
  console.log(JSON.stringify({ bench: 'streaming-start', ...common, rss_mb: rssMb() }))
  const log = new RunLog((line) => `${String(line.bench)}:${String(line.pass ?? line.source)}`)
  for (let run = 1; run <= repeat; run++) {
    const cacheDir = await mkdtemp(join(tmpdir(), 'training-server-streaming-bench-'))
    try {
      await measureOnce({ root, dataset, params, cacheDir, threads, common, log, run })
    } finally {
      await rm(cacheDir, { recursive: true, force: true })
    }
  }
  log.printMedians()
}

interface Measurement {
  root: string
  dataset: NonNullable<Awaited<ReturnType<typeof loadDataset>>['dataset']>
  params: TrainParams
  cacheDir: string
  threads: number
  common: Record<string, unknown>
  log: RunLog
  run: number
}

/** One run: decode twice (fresh cache, then cached), train an epoch streamed, then in memory. */
async function measureOnce(m: Measurement): Promise<void> {
  const { root, dataset, params, cacheDir, common, log, run } = m
  const request: TrainingRequest = {
    datasetRoot: root,
    classes: dataset.classes,
    items: dataset.items,
    params,
    outDir: join(cacheDir, 'weights'),
    cacheDir,
    threads: m.threads,
  }
  for (const pass of ['first', 'second']) {
    const started = performance.now()
    const decoded = await decodeDataset(request, () => {}, { size: SIDE })
    const seconds = (performance.now() - started) / 1000
    decoded.close()
    log.print({
      bench: 'streaming-decode',
      pass,
      ...common,
      decode_s: round(seconds, 1),
      decoded: decoded.decoded,
      from_cache: decoded.fromCache,
      images_per_s: round(dataset.items.length / seconds, 0),
      peak_rss_mb: peakRssMb(),
      run,
    })
  }

  const streamed = await decodeDataset(request, () => {}, { size: SIDE })
  const split = splitStratified(streamed.set.labels, params.valSplit, params.seed)
  const numClasses = dataset.classes.length
  let streamedRate: number
  try {
    const epoch = await trainOneEpoch(
      streamed.set.select(split.train),
      streamed.set.select(split.val),
      params,
      numClasses,
    )
    streamedRate = epoch.imagesPerSec
    const peak = peakRssMb()
    log.print({
      bench: 'streaming-train',
      source: 'pixel-cache',
      ...common,
      train_images: split.train.length,
      images_per_s: round(epoch.imagesPerSec, 1),
      val_accuracy: round(epoch.valAccuracy, 4),
      peak_rss_mb: peak,
      rss_mb: rssMb(),
      under_limit: peak < RSS_LIMIT_MB,
      run,
    })
  } finally {
    streamed.close()
  }
  if (hasFlag('no-in-memory')) return

  // The same pixels, read back from the cache into one buffer as the in-memory path keeps them.
  const stride = SIDE * SIDE * 3
  const store = await openRecordStore(pixelStoreDir(cacheDir, SIDE), stride)
  const whole: ImageSet = {
    pixels: new Uint8Array(streamed.keys.length * stride),
    labels: streamed.set.labels,
    count: streamed.keys.length,
    size: SIDE,
  }
  streamed.keys.forEach((key, n) => store.read(key, whole.pixels, n * stride))
  store.close()
  const inMemory = await trainOneEpoch(
    selectImages(whole, split.train),
    selectImages(whole, split.val),
    params,
    numClasses,
  )
  log.print({
    bench: 'streaming-train',
    source: 'in-memory',
    ...common,
    train_images: split.train.length,
    images_per_s: round(inMemory.imagesPerSec, 1),
    val_accuracy: round(inMemory.valAccuracy, 4),
    peak_rss_mb: peakRssMb(),
    run,
  })
  log.print({
    bench: 'streaming-vs-memory',
    source: 'pixel-cache/in-memory',
    ...common,
    images_per_s_ratio: ratioOf(streamedRate, inMemory.imagesPerSec),
    run,
  })
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
