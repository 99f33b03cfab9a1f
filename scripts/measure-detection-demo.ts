// Measures the detector end to end on the demo detection dataset with the settings the app would
// choose: generate the images into a temporary folder (by default with demo client2's seed, so it
// is the dataset `/progress?train_type=obj_detection&bucket_name=client2` trains on), load and
// validate them as the pipeline does, settle the unset parameters with the pipeline's own rule
// (the task's plain defaults, then what the dataset chooses), train in the worker thread and print
// one JSON line (mAP, epochs, time, images/s). Run it on a quiet machine:
// `npx tsx scripts/measure-detection-demo.ts [--dataset-seed N] [--seed N] [--images N]
//  [--epochs N] [--batch-size N] [--learning-rate X]`; the last three try a recipe.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { paramRulesOf } from '../src-shared/tasks/task-params'
import type { DetectionEpochMetrics } from '../src-shared/tasks/detection-metrics'
import type { TrainParams } from '../src-shared/train-params'
import { writeDemoDetectionDataset } from '../src-main/dataset/demo-detection-dataset'
import { loadDataset } from '../src-main/dataset/load-dataset'
import type { DetectionMetricsFile } from '../src-main/engine/worker/detection-training'
import { DEMO_CLIENTS } from '../src-main/jobs/demo-clients'
import { runTrainingWorker } from '../src-main/jobs/run-training-worker'
import { paramsChosenFromDataset } from '../src-main/jobs/train-defaults'

function flag(name: string): number | undefined {
  const at = process.argv.indexOf(`--${name}`)
  return at > 0 ? Number(process.argv[at + 1]) : undefined
}

/** The options given on the command line, keyed as TrainParams names them. */
function overrides(): Partial<TrainParams> {
  const given: Partial<TrainParams> = {}
  const seed = flag('seed')
  const epochs = flag('epochs')
  const batchSize = flag('batch-size')
  const learningRate = flag('learning-rate')
  if (seed !== undefined) given.seed = seed
  if (epochs !== undefined) given.epochs = epochs
  if (batchSize !== undefined) given.batchSize = batchSize
  if (learningRate !== undefined) given.learningRate = learningRate
  return given
}

async function main(): Promise<void> {
  const images = flag('images')
  const datasetSeed =
    flag('dataset-seed') ?? DEMO_CLIENTS.find((demo) => demo.client === 'client2')?.seed ?? 3
  const root = mkdtempSync(join(tmpdir(), 'detection-demo-'))
  const started = performance.now()
  const loadBefore = loadavg()[0] ?? 0
  try {
    await writeDemoDetectionDataset(root, { seed: datasetSeed, ...(images && { images }) })
    const { dataset, facts } = await loadDataset(root, { trainType: 'obj_detection' })
    if (!dataset || !facts) throw new Error('the demo dataset did not validate')
    // As the pipeline settles a job whose caller set only the given options.
    const given = overrides()
    const defaults = paramRulesOf('obj_detection').defaults
    const chosen = paramsChosenFromDataset(facts, defaults.architecture, 'obj_detection')
    const params: TrainParams = { ...defaults, ...chosen, ...given }
    const epochs: DetectionEpochMetrics[] = []
    await runTrainingWorker(
      {
        task: 'obj_detection',
        datasetRoot: root,
        classes: dataset.classes,
        items: dataset.items,
        params,
        outDir: join(root, 'out'),
        cacheDir: join(root, 'cache'),
      },
      {
        onMessage: (message) => {
          if (message.type !== 'epoch') return
          // The job side types epochs as the classifier's until its event union names each task.
          const m = message.metrics as unknown as DetectionEpochMetrics
          epochs.push(m)
          process.stderr.write(
            `epoch ${m.epoch}: loss ${m.loss.toFixed(3)} valMap50 ${m.valMap50.toFixed(3)} ` +
              `${m.imagesPerSec.toFixed(1)} images/s\n`,
          )
        },
      },
    )
    const metrics = JSON.parse(
      readFileSync(join(root, 'out', 'metrics.json'), 'utf8'),
    ) as DetectionMetricsFile
    const trainingSec = (epochs.at(-1)?.elapsedMs ?? 0) / 1000
    const seen = epochs.length * metrics.trainImages
    console.log(
      JSON.stringify({
        datasetSeed,
        images: dataset.items.length,
        params: {
          seed: params.seed,
          imageSize: params.imageSize,
          epochs: params.epochs,
          batch: params.batchSize,
          learningRate: params.learningRate,
        },
        epochsRun: epochs.length,
        bestEpoch: metrics.bestEpoch,
        valMap50: metrics.coco.stats.ap50,
        valMap: metrics.coco.stats.ap,
        trainingImagesPerSec: seen / Math.max(trainingSec, 1e-6),
        endToEndSec: (performance.now() - started) / 1000,
        loadAverage: [loadBefore, loadavg()[0] ?? 0],
        backend: metrics.backend,
        threads: metrics.threads,
      }),
    )
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

void main()
