// Measures the segmenter end to end on the demo segmentation dataset (client3) with default
// settings: generate the images into a temporary folder, validate them as the server does, train in
// the worker thread with the dataset's defaults, and print one JSON line (mask and box mAP, time,
// images/s, load average). Run it on a quiet machine:
// `npx tsx scripts/measure-segmentation-demo.ts [--images N]`.
// The recipe's measurements (through the app and through this script) are in
// tasks/segmentation/defaults.ts.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_TRAIN_PARAMS } from '../src-shared/train-params'
import type { SegmentationEpochMetrics } from '../src-shared/tasks/segmentation-metrics'
import { validateAnnotations } from '../src-shared/validate-annotations'
import { writeDemoSegmentationDataset } from '../src-main/dataset/demo-segmentation-dataset'
import { probeImageFiles } from '../src-main/dataset/probe-images'
import { taskModule } from '../src-main/engine/tasks/registry'
import type { SegmentationMetricsFile } from '../src-main/engine/worker/segmentation-training'
import { runTrainingWorker } from '../src-main/jobs/run-training-worker'

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]

async function main(): Promise<void> {
  const at = process.argv.indexOf('--images')
  const images = at > 0 ? Number(process.argv[at + 1]) : undefined
  const root = mkdtempSync(join(tmpdir(), 'segmentation-demo-'))
  const loadBefore = loadavg()
  const started = performance.now()
  try {
    await writeDemoSegmentationDataset(root, images === undefined ? {} : { images })
    const files = await probeImageFiles(join(root, 'images'))
    const text = readFileSync(join(root, 'coco', 'annotations.json'), 'utf8')
    const { dataset } = validateAnnotations(text, { trainType: 'instance_segmentation', files })
    if (!dataset) throw new Error('the demo dataset did not validate')
    const defaults = taskModule('instance_segmentation')?.defaults
    if (!defaults) throw new Error('instance segmentation has no task module')
    const params = {
      ...DEFAULT_TRAIN_PARAMS,
      ...defaults({
        images: dataset.items.length,
        medianSide:
          median([...files.values()].map((f) => Math.min(f.width ?? 0, f.height ?? 0))) ?? 0,
        medianObjectSide:
          median(
            dataset.items.flatMap((item) =>
              (item.boxes ?? []).map((box) => Math.min(box.bbox[2], box.bbox[3])),
            ),
          ) ?? 0,
      }),
    }
    const epochs: SegmentationEpochMetrics[] = []
    await runTrainingWorker(
      {
        task: 'instance_segmentation',
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
          const m = message.metrics as unknown as SegmentationEpochMetrics
          epochs.push(m)
          process.stderr.write(
            `epoch ${m.epoch}: loss ${m.loss.toFixed(3)} (mask ${m.maskLoss.toFixed(3)}) ` +
              `valMaskMap50 ${m.valMaskMap50.toFixed(3)} ${m.imagesPerSec.toFixed(1)} images/s ` +
              `${(m.elapsedMs / 1000).toFixed(0)} s\n`,
          )
        },
      },
    )
    const metrics = JSON.parse(
      readFileSync(join(root, 'out', 'metrics.json'), 'utf8'),
    ) as SegmentationMetricsFile
    const trainingSec = (epochs.at(-1)?.elapsedMs ?? 0) / 1000
    console.log(
      JSON.stringify({
        images: dataset.items.length,
        params: { imageSize: params.imageSize, epochs: params.epochs, batch: params.batchSize },
        epochsRun: epochs.length,
        bestEpoch: metrics.bestEpoch,
        maskMap50: metrics.maskCoco.stats.ap50,
        maskMap: metrics.maskCoco.stats.ap,
        boxMap50: metrics.boxCoco.stats.ap50,
        boxMap: metrics.boxCoco.stats.ap,
        trainingImagesPerSec: (epochs.length * metrics.trainImages) / Math.max(trainingSec, 1e-6),
        endToEndSec: (performance.now() - started) / 1000,
        backend: metrics.backend,
        threads: metrics.threads,
        loadAverageBefore: loadBefore.map((v) => Number(v.toFixed(2))),
        loadAverageAfter: loadavg().map((v) => Number(v.toFixed(2))),
      }),
    )
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

void main()
