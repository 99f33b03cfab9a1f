// Measures the detector end to end on the demo detection dataset with default settings: generate
// the images into a temporary folder, validate them as the server does, train in the worker thread
// with the dataset's detection defaults, and print one JSON line (mAP, time, images/s). Run it on a
// quiet machine: `npx tsx scripts/measure-detection-demo.ts [--images N]`.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_TRAIN_PARAMS } from '../src-shared/train-params'
import type { DetectionEpochMetrics } from '../src-shared/tasks/detection-metrics'
import { validateAnnotations } from '../src-shared/validate-annotations'
import { writeDemoDetectionDataset } from '../src-main/dataset/demo-detection-dataset'
import { probeImageFiles } from '../src-main/dataset/probe-images'
import { detectionTrainDefaults } from '../src-main/engine/tasks/detection/defaults'
import type { DetectionMetricsFile } from '../src-main/engine/worker/detection-training'
import { runTrainingWorker } from '../src-main/jobs/run-training-worker'

async function main(): Promise<void> {
  const at = process.argv.indexOf('--images')
  const images = at > 0 ? Number(process.argv[at + 1]) : undefined
  const root = mkdtempSync(join(tmpdir(), 'detection-demo-'))
  const started = performance.now()
  try {
    await writeDemoDetectionDataset(root, images === undefined ? {} : { images })
    const files = await probeImageFiles(join(root, 'images'))
    const text = readFileSync(join(root, 'coco', 'annotations.json'), 'utf8')
    const { dataset } = validateAnnotations(text, { trainType: 'obj_detection', files })
    if (!dataset) throw new Error('the demo dataset did not validate')
    const sides = dataset.items.flatMap((item) =>
      (item.boxes ?? []).map((box) => Math.min(box.bbox[2], box.bbox[3])),
    )
    sides.sort((a, b) => a - b)
    const imageSides = [...files.values()].map((f) => Math.min(f.width ?? 0, f.height ?? 0))
    imageSides.sort((a, b) => a - b)
    const params = {
      ...DEFAULT_TRAIN_PARAMS,
      ...detectionTrainDefaults({
        images: dataset.items.length,
        medianSide: imageSides[Math.floor(imageSides.length / 2)] ?? 0,
        medianObjectSide: sides[Math.floor(sides.length / 2)] ?? 0,
      }),
    }
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
        images: dataset.items.length,
        params: { imageSize: params.imageSize, epochs: params.epochs, batch: params.batchSize },
        epochsRun: epochs.length,
        bestEpoch: metrics.bestEpoch,
        valMap50: metrics.coco.stats.ap50,
        valMap: metrics.coco.stats.ap,
        trainingImagesPerSec: seen / Math.max(trainingSec, 1e-6),
        endToEndSec: (performance.now() - started) / 1000,
        backend: metrics.backend,
        threads: metrics.threads,
      }),
    )
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

void main()
