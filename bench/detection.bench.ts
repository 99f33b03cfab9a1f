// Detection on real items, side by side with PyTorch: Fashion-MNIST scenes (detection-scenes.ts)
// are read and validated as a job reads a client's dataset, the engine's detector is trained on
// the training scenes, and bench/detection_torch.py trains the same network with the same recipe
// and threads. Both engines' raw outputs on the held-out scenes (made from test items only) go
// through the product's one decoder and its COCOeval port. JSON lines: one per engine and run,
// a ratio line per run, a median line when --repeat > 1, and a predict check: the held-out
// scenes through the predict route's decoding (its score threshold), counted against the truth.
//
//   npx tsx bench/detection.bench.ts [--threads 2] [--train-scenes 400] [--test-scenes 100]
//       [--epochs 20] [--image-size 128] [--classes 10] [--batch-size 16] [--learning-rate 0.001]
//       [--repeat 1] [--augment] [--no-peer] [--clean]
//
// Comparison mode (the default) trains without augmentation, early stopping or class weights on
// both sides; --augment turns on each side's augmentation (the peer's is horizontal flips only).
// The held-out scenes are the engine's validation set: with no early stopping they only measure.
//
// Measured with `--train-scenes 600 --test-scenes 100 --classes 4 --epochs 16 --batch-size 8
// --learning-rate 0.003 --image-size 96` on 2 cores at load average 5–8 (another benchmark sharing
// them): held-out mAP@[.5:.95] 0.236 / 0.282 (ours / PyTorch), mAP@.5 0.495 / 0.576, 909 s / 484 s
// of training. With 200 training scenes for 20 epochs at load about 2: mAP@.5 0.216 / 0.221, 28.7
// / 193.9 images/s, a ratio of 0.148.

import * as tf from '@tensorflow/tfjs'
import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../src-shared/train-params'
import { PREDICTION_DECODE, type DetectionMaps } from '../src-shared/tasks/detection-output'
import type { CocoSummaryStats } from '../src-shared/coco-eval-report'
import { selectBackend } from '../src-main/engine/backend/select-backend'
import { trainDetector, type DetectionSet } from '../src-main/engine/tasks/detection/train-detector'
import { predictMaps } from '../src-main/engine/tasks/detection/predict-maps'
import { detectionScenes, removeDetectionSceneCaches } from './detection-scenes'
import {
  decodeAll,
  loadSceneSet,
  predictionCheck,
  scoreDetections,
  type SceneSet,
} from './detection-evaluate'
import { runPeer } from './detection-peer'
import { sceneSamples } from './scene-pixels'
import { hasFlag } from './bench-options'
import { rounded } from './bench-summary'
import {
  commonFields,
  runFields,
  sceneBenchOptions,
  sceneRunLines,
  sceneShape,
} from './scene-bench'

function headline(stats: CocoSummaryStats) {
  return { map: rounded(stats.ap, 4), map50: rounded(stats.ap50, 4), map75: rounded(stats.ap75, 4) }
}

async function trainOurs(
  train: DetectionSet,
  test: DetectionSet,
  testSet: SceneSet,
  params: TrainParams,
) {
  const started = performance.now()
  const run = await trainDetector({
    train,
    val: test,
    numClasses: testSet.classes.length,
    params,
    callbacks: { onEpoch: (m) => console.error(JSON.stringify({ epoch: m })) },
  })
  const wallS = (performance.now() - started) / 1000
  try {
    const maps: DetectionMaps[] = []
    for (let from = 0; from < test.images.count; from += 32) {
      const indices = Array.from(
        { length: Math.min(32, test.images.count - from) },
        (_, n) => from + n,
      )
      const images = test.images.batch(indices) as tf.Tensor4D
      try {
        maps.push(...predictMaps(run.model, images, run.stride))
      } finally {
        images.dispose()
      }
    }
    const report = scoreDetections(testSet, decodeAll(maps))
    return {
      ...runFields(run, train.images.count, wallS),
      ...headline(report.stats),
      predict_check: predictionCheck(testSet, decodeAll(maps, PREDICTION_DECODE)),
    }
  } finally {
    run.model.dispose()
  }
}

async function main(): Promise<void> {
  if (hasFlag('clean')) {
    console.log(JSON.stringify({ removed_caches: await removeDetectionSceneCaches() }))
    return
  }
  const options = sceneBenchOptions({
    trainScenes: 400,
    testScenes: 100,
    imageSize: 128,
    batchSize: 16,
    learningRate: '0.001',
  })
  const { threads, trainScenes, testScenes, epochs, imageSize, batchSize, repeat } = options
  const { learningRate } = options
  const augment = hasFlag('augment')
  const seed = DEFAULT_TRAIN_PARAMS.seed

  await selectBackend('wasm', { threads })
  tf.env().set('PROD', true)
  const scenes = sceneShape(imageSize, options.classes)
  const trainSet = await loadSceneSet(
    await detectionScenes({ split: 'train', scenes: trainScenes, ...scenes }),
  )
  const testSet = await loadSceneSet(
    await detectionScenes({ split: 'test', scenes: testScenes, ...scenes }),
    1,
  )
  const train: DetectionSet = await sceneSamples(trainSet, imageSize)
  const test: DetectionSet = await sceneSamples(testSet, imageSize)
  const params: TrainParams = {
    ...DEFAULT_TRAIN_PARAMS,
    epochs,
    batchSize,
    learningRate,
    imageSize,
    seed,
    augment,
    patience: 0,
  }
  const common = { ...commonFields(options), augment }
  const lines = sceneRunLines('detection', common, 'map')
  for (let run = 1; run <= repeat; run++) {
    const ours = await trainOurs(train, test, testSet, params)
    lines.ours(ours, run)
    if (hasFlag('no-peer')) continue
    const peer = await runPeer(trainSet, testSet, {
      threads,
      epochs,
      batchSize,
      learningRate,
      augment,
      seed,
    })
    lines.peer(
      peer.line,
      {
        ...headline(peer.report.stats),
        predict_check: predictionCheck(testSet, decodeAll(peer.maps, PREDICTION_DECODE)),
      },
      ours,
      run,
    )
  }
  lines.median(repeat)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
