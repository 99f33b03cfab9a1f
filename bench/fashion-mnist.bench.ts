// Fashion-MNIST, side by side with PyTorch: the images are converted into a client dataset
// (PNG + COCO annotations), loaded and validated with loadDataset, decoded with the job's decoder
// and trained with the engine; then shared/reference/torch_fashion_mnist.py (found beside the
// project, see reference-peer.ts) trains the same network on the same images with the same
// threads. Both print a JSON line with images/s and accuracy on the 10,000 test images, followed
// by a ratio line; with --repeat N, a median line of each after the last run.
//
//   npx tsx bench/fashion-mnist.bench.ts [--threads 2] [--epochs 2] [--train-images 60000]
//       [--test-images 10000] [--repeat 1] [--recipe reference|default] [--peer-epochs N]
//       [--no-peer] [--clean]
//
// Without --no-peer the run stops at once when the peer cannot run (no python3-torch), rather
// than printing one side only. --test-images is for smoke runs: the peer always tests on 10,000.
//
// --recipe reference (the default) trains the peer's network and recipe: reference architecture,
// Adam 1e-3, batch 64, no augmentation, no class weights, fixed learning rate, no early stopping.
// --recipe default trains what a job would with its defaults for this dataset (validation split
// taken from the training images, early stopping on it), and is tested once at the end.
// --peer-epochs (default: --epochs) sets the peer's epochs alone, so that the default recipe can
// meet the peer's fixed one (10 epochs) in one run: time to accuracy is compared that way.
//
// Grayscale: the engine's input is RGB, so each image arrives as three equal channels. The first
// convolution therefore does three times the peer's (small) work; every other layer is the same.

import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../src-shared/train-params'
import { loadDataset } from '../src-main/dataset/load-dataset'
import { classificationReport } from '../src-main/engine/tasks/classification/evaluate'
import { predictProbabilities } from '../src-main/engine/tasks/classification/step'
import { datasetTrainDefaults } from '../src-main/engine/tasks/classification/defaults'
import type { SampleSet } from '../src-main/engine/data/image-batches'
import { backendThreads, selectBackend } from '../src-main/engine/backend/select-backend'
import {
  splitStratified,
  trainClassifier,
} from '../src-main/engine/tasks/classification/train-classifier'
import { decodeDataset, type DecodedDataset } from '../src-main/engine/worker/decode-dataset'
import {
  FASHION_CLASSES,
  fashionMnistDataset,
  removeFashionMnistCaches,
} from './fashion-mnist-dataset'
import { choiceOption, hasFlag, positiveIntegerOption } from './bench-options'
import { RunLog, ratioOf, rounded as round } from './bench-summary'
import { PEER_PYTHON, referenceScript, torchPeerMissing } from './reference-peer'

const PEER_SCRIPT = referenceScript('torch_fashion_mnist.py')
const SIDE = 28

/**
 * A converted split, loaded and validated like a job's dataset and decoded like the worker does:
 * through the pixel cache, streamed back one batch at a time.
 */
async function loadSplit(
  split: 'train' | 't10k',
  count: number,
  cacheDir: string,
): Promise<DecodedDataset> {
  const root = await fashionMnistDataset(split, count)
  const { report, dataset } = await loadDataset(root, { trainType: 'classification' })
  if (dataset === undefined)
    throw new Error(`${split}: the dataset did not validate: ${JSON.stringify(report)}`)
  // Class indices by name, so both splits agree whatever order the validator gives them.
  const nameOf = new Map(dataset.classes.map((info) => [info.index, info.name]))
  const fashionIndex = (label: number) =>
    (FASHION_CLASSES as readonly string[]).indexOf(nameOf.get(label) ?? '')
  return decodeDataset(
    {
      datasetRoot: root,
      classes: FASHION_CLASSES.map((name, index) => ({ index, name, categoryId: index + 1 })),
      items: dataset.items.map((item) => ({ ...item, label: fashionIndex(item.label) })),
      params: DEFAULT_TRAIN_PARAMS,
      outDir: cacheDir,
      cacheDir,
      maxBadImageShare: 0,
    },
    () => undefined,
    { size: SIDE },
  )
}

interface RunResult {
  train_s: number
  images_per_s: number
  test_accuracy: number
  epochs_run: number
}

async function trainOurs(
  recipe: string,
  train: SampleSet,
  test: SampleSet,
  epochs: number,
): Promise<RunResult & { params: TrainParams; macro_f1?: number }> {
  const numClasses = FASHION_CLASSES.length
  if (recipe === 'reference') {
    const params: TrainParams = {
      ...DEFAULT_TRAIN_PARAMS,
      architecture: 'reference',
      epochs,
      batchSize: 64,
      learningRate: 1e-3,
      imageSize: SIDE,
      augment: false,
      patience: 0,
    }
    // The test images are the validation set: with no early stopping or schedule they only
    // measure, as the peer's final test pass does.
    const run = await trainClassifier({
      train,
      val: test,
      numClasses,
      params,
      callbacks: { onEpoch: (m) => console.error(JSON.stringify({ epoch: m })) },
      recipe: { classWeights: false, reduceOnPlateau: false },
    })
    run.model.dispose()
    const seconds = run.epochs.reduce((sum, m) => sum + train.count / m.imagesPerSec, 0)
    return {
      params,
      train_s: round(seconds, 2),
      images_per_s: round((run.epochs.length * train.count) / seconds, 1),
      test_accuracy: round(run.epochs.at(-1)?.valAccuracy ?? NaN, 4),
      epochs_run: run.epochs.length,
    }
  }
  const params: TrainParams = {
    ...DEFAULT_TRAIN_PARAMS,
    ...datasetTrainDefaults({ images: train.count, medianSide: SIDE }),
    ...(hasFlag('epochs') && { epochs }),
  }
  const split = splitStratified(train.labels, params.valSplit, params.seed)
  const run = await trainClassifier({
    train: train.select(split.train),
    val: train.select(split.val),
    numClasses,
    params,
    callbacks: { onEpoch: (m) => console.error(JSON.stringify({ epoch: m })) },
  })
  try {
    const report = classificationReport({
      labels: test.labels,
      probabilities: predictProbabilities(run.model, test, 256),
      classNames: FASHION_CLASSES,
      fileNames: [],
    })
    const right = report.confusionMatrix.counts.reduce((sum, row, c) => sum + (row[c] ?? 0), 0)
    const trained = split.train.length
    const seconds = run.epochs.reduce((sum, m) => sum + trained / m.imagesPerSec, 0)
    return {
      params,
      train_s: round(seconds, 2),
      images_per_s: round((run.epochs.length * trained) / seconds, 1),
      test_accuracy: round(right / test.count, 4),
      epochs_run: run.epochs.length,
      macro_f1: round(
        report.perClass.reduce((sum, c) => sum + c.f1, 0) / report.perClass.length,
        4,
      ),
    }
  } finally {
    run.model.dispose()
  }
}

function runPeer(
  script: string,
  threads: number,
  epochs: number,
  trainImages: number,
): Record<string, unknown> {
  const result = spawnSync(
    PEER_PYTHON,
    [
      script,
      '--threads',
      String(threads),
      '--epochs',
      String(epochs),
      '--train-images',
      String(trainImages),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const line = result.stdout.split('\n').find((text) => text.startsWith('{'))
  if (result.status !== 0 || line === undefined)
    throw new Error(`the PyTorch reference failed (exit ${result.status})`)
  return JSON.parse(line) as Record<string, unknown>
}

async function main(): Promise<void> {
  if (hasFlag('clean')) {
    console.log(JSON.stringify({ removed_caches: await removeFashionMnistCaches() }))
    return
  }
  const threads = positiveIntegerOption('threads', 2)
  const epochs = positiveIntegerOption('epochs', 2)
  const peerEpochs = positiveIntegerOption('peer-epochs', epochs)
  const trainImages = positiveIntegerOption('train-images', 60_000)
  const repeat = positiveIntegerOption('repeat', 1)
  const recipe = choiceOption('recipe', ['reference', 'default'], 'reference')
  const testImages = positiveIntegerOption('test-images', 10_000)
  const withPeer = !hasFlag('no-peer')
  const peerMissing = withPeer ? torchPeerMissing(PEER_SCRIPT) : undefined
  if (peerMissing !== undefined)
    throw new Error(
      `the PyTorch peer cannot run: ${peerMissing}; pass --no-peer to measure ours only`,
    )
  const log = new RunLog((line) => `${String(line.bench)}:${String(line.side)}`)

  await selectBackend('wasm', { threads })
  tf.env().set('PROD', true)
  const loading = performance.now()
  const cacheDir = await mkdtemp(join(tmpdir(), 'fashion-mnist-cache-'))
  const decoded = [
    await loadSplit('train', trainImages, cacheDir),
    await loadSplit('t10k', testImages, cacheDir),
  ]
  const [train, test] = decoded.map((split) => split.set) as [SampleSet, SampleSet]
  const loadS = round((performance.now() - loading) / 1000, 1)
  try {
    for (let run = 1; run <= repeat; run++) {
      const ours = await trainOurs(recipe, train, test, epochs)
      log.print({
        bench: 'fashion-mnist',
        side: 'training-server',
        backend: tf.getBackend(),
        threads: backendThreads(),
        recipe,
        architecture: ours.params.architecture,
        channels: 3,
        epochs: ours.epochs_run,
        train_images: trainImages,
        // The peer always tests on all 10,000: accuracies compare only at that count.
        test_images: testImages,
        train_s: ours.train_s,
        images_per_s: ours.images_per_s,
        test_accuracy: ours.test_accuracy,
        ...(ours.macro_f1 !== undefined && { test_macro_f1: ours.macro_f1 }),
        load_and_decode_s: loadS,
        run,
      })
      if (!withPeer || PEER_SCRIPT === undefined) continue
      const peer = runPeer(PEER_SCRIPT, threads, peerEpochs, trainImages)
      log.print({ bench: 'fashion-mnist', side: 'pytorch', ...peer, run })
      log.print({
        bench: 'fashion-mnist-ratio',
        side: 'ours/pytorch',
        recipe,
        threads,
        images_per_s_ratio: ratioOf(ours.images_per_s, peer.images_per_s),
        // Time to the accuracy each reached: below 1 means ours trained in less time.
        train_s_ratio: ratioOf(ours.train_s, peer.train_s),
        ours_test_accuracy: ours.test_accuracy,
        peer_test_accuracy: peer.test_accuracy,
        run,
      })
    }
    log.printMedians()
  } finally {
    decoded.forEach((split) => split.close())
    await rm(cacheDir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
