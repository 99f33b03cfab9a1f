// Instance segmentation on real items, side by side with PyTorch: Fashion-MNIST scenes whose masks
// are the items' own silhouettes (segmentation-scenes.ts) are read and validated as a job reads a
// client's dataset, the engine's segmenter is trained on the training scenes, and
// bench/segmentation_torch.py trains the same network with the same targets, losses, recipe and
// threads. Both engines' raw outputs on the held-out scenes (made from test items only) go through
// the product's one decoder and the segmenter's COCOeval evaluation. JSON lines: one per engine
// and run, a ratio line per run, and a median line when --repeat > 1.
//
//   npx tsx bench/segmentation.bench.ts [--threads 2] [--train-scenes 200] [--test-scenes 50]
//       [--epochs 20] [--image-size 96] [--classes 10] [--batch-size 8] [--learning-rate 0.003]
//       [--repeat 1] [--no-peer] [--clean]
//
// Both sides train without augmentation or early stopping; the held-out scenes are the engine's
// validation set and only measure.
//
// Measured with `--train-scenes 400 --test-scenes 100 --image-size 96 --classes 4 --epochs 20` on
// 2 cores at load average 5–8 (another benchmark sharing them): held-out mask mAP@[.5:.95] 0.186 /
// 0.210 (ours / PyTorch), mask mAP@.5 0.424 / 0.464, box mAP@.5 0.428 / 0.466, 886 s / 447 s of
// training, 9.0 / 17.9 images/s (a ratio of 0.50 at that load).

import * as tf from '@tensorflow/tfjs'
import { DEFAULT_TRAIN_PARAMS, type TrainParams } from '../src-shared/train-params'
import { selectBackend } from '../src-main/engine/backend/select-backend'
import {
  segmentationPass,
  trainSegmenter,
  type SegmentationSet,
} from '../src-main/engine/tasks/segmentation/train-segmenter'
import type { SegmenterEvaluation } from '../src-main/engine/tasks/segmentation/evaluate-segmenter'
import type { SceneSet } from './detection-evaluate'
import {
  loadSegmentationSceneSet,
  scoreSegmentations,
  segmentationSet,
} from './segmentation-evaluate'
import { runSegmentationPeer } from './segmentation-peer'
import { removeSegmentationSceneCaches, segmentationScenes } from './segmentation-scenes'
import { hasFlag } from './bench-options'
import { rounded } from './bench-summary'
import {
  commonFields,
  runFields,
  sceneBenchOptions,
  sceneRunLines,
  sceneShape,
} from './scene-bench'

function headline(evaluation: SegmenterEvaluation) {
  return {
    mask_map: rounded(evaluation.maskCoco.stats.ap, 4),
    mask_map50: rounded(evaluation.maskCoco.stats.ap50, 4),
    box_map50: rounded(evaluation.boxCoco.stats.ap50, 4),
  }
}

async function trainOurs(
  train: SegmentationSet,
  test: SegmentationSet,
  testSet: SceneSet,
  params: TrainParams,
) {
  const started = performance.now()
  const run = await trainSegmenter({
    train,
    val: test,
    numClasses: testSet.classes.length,
    params,
    callbacks: { onEpoch: (m) => console.error(JSON.stringify({ epoch: m })) },
  })
  const wallS = (performance.now() - started) / 1000
  try {
    const pass = segmentationPass(run.model, test, params.batchSize, testSet.classes.length)
    const evaluation = scoreSegmentations(testSet, pass.masked, params.imageSize)
    return { ...runFields(run, train.images.count, wallS), ...headline(evaluation) }
  } finally {
    run.model.dispose()
  }
}

async function main(): Promise<void> {
  if (hasFlag('clean')) {
    console.log(JSON.stringify({ removed_caches: await removeSegmentationSceneCaches() }))
    return
  }
  const options = sceneBenchOptions({
    trainScenes: 200,
    testScenes: 50,
    imageSize: 96,
    batchSize: 8,
    learningRate: '0.003',
  })
  const { threads, trainScenes, testScenes, epochs, imageSize, batchSize, repeat } = options
  const { learningRate } = options
  const seed = DEFAULT_TRAIN_PARAMS.seed

  await selectBackend('wasm', { threads })
  tf.env().set('PROD', true)
  const scenes = sceneShape(imageSize, options.classes)
  const trainSet = await loadSegmentationSceneSet(
    await segmentationScenes({ split: 'train', scenes: trainScenes, ...scenes }),
  )
  const testSet = await loadSegmentationSceneSet(
    await segmentationScenes({ split: 'test', scenes: testScenes, ...scenes }),
    1,
  )
  const train = await segmentationSet(trainSet, imageSize)
  const test = await segmentationSet(testSet, imageSize)
  const params: TrainParams = {
    ...DEFAULT_TRAIN_PARAMS,
    epochs,
    batchSize,
    learningRate,
    imageSize,
    seed,
    augment: false,
    patience: 0,
  }
  const common = commonFields(options)
  const lines = sceneRunLines('segmentation', common, 'mask_map')
  for (let run = 1; run <= repeat; run++) {
    const ours = await trainOurs(train, test, testSet, params)
    lines.ours(ours, run)
    if (hasFlag('no-peer')) continue
    const peer = await runSegmentationPeer(
      trainSet,
      testSet,
      { threads, epochs, batchSize, learningRate },
      seed,
      imageSize,
    )
    lines.peer(peer.line, headline(peer.evaluation), ours, run)
  }
  lines.median(repeat)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
