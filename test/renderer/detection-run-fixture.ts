// A finished detection run as the engine records it: per-epoch losses and mAP@.5, COCO's summary
// (with -1 where nothing was measurable), per-class AP and 101-point PR curves, and two reviewed
// validation images. Shared by the screen tests and the browser walkthrough.

import type { CocoPrecisionRecallCurve } from '../../src-shared/coco-eval-report'
import type { JobRecord } from '../../src-shared/job-events'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import type {
  DetectionEpochMetrics,
  DetectionTrainingMetrics,
} from '../../src-shared/tasks/detection-metrics'

export const DETECTION_CLASSES = ['circle', 'square', 'triangle'] as const

export function detectionEpoch(n: number, epochs = 6): DetectionEpochMetrics {
  return {
    task: 'obj_detection',
    epoch: n,
    epochs,
    loss: 3 / n,
    heatmapLoss: 2.4 / n,
    boxLoss: 0.6 / n,
    valLoss: 3.2 / n + 0.1,
    valMap50: Math.min(0.2 * n, 0.94),
    imagesPerSec: 48,
    elapsedMs: n * 9000,
  }
}

/** Precision falls from `start` as recall grows, and is 0 past the recall the class reaches. */
function curve(categoryId: number, start: number, reached: number): CocoPrecisionRecallCurve {
  const recall = Array.from({ length: 101 }, (_, i) => i / 100)
  return {
    categoryId,
    recall,
    precision: recall.map((r) => (r <= reached ? start - r * 0.3 : 0)),
  }
}

export function detectionMetrics(files: [string, string] = ['00000003.jpg', '00000007.jpg']) {
  const metrics: DetectionTrainingMetrics = {
    task: 'obj_detection',
    epochs: [1, 2, 3, 4, 5].map((n) => detectionEpoch(n)),
    finalValMap50: 0.94,
    finalValLoss: 0.74,
    trainImages: 160,
    valImages: 40,
    classes: [...DETECTION_CLASSES],
    bestEpoch: 5,
    stoppedEarly: true,
    coco: {
      stats: {
        ap: 0.612,
        ap50: 0.94,
        ap75: 0.701,
        apSmall: -1,
        apMedium: 0.58,
        apLarge: 0.66,
        ar1: 0.41,
        ar10: 0.69,
        ar100: 0.7,
        arSmall: -1,
        arMedium: 0.66,
        arLarge: 0.74,
      },
      perClass: [
        { categoryId: 1, ap: 0.71, ap50: 0.98 },
        { categoryId: 2, ap: 0.64, ap50: 0.95 },
        { categoryId: 3, ap: 0.486, ap50: 0.89 },
      ],
      curves: [curve(1, 1, 0.98), curve(2, 1, 0.95), curve(3, 0.95, 0.9)],
      imageErrors: [
        { imageId: 2, missed: 2, falseDetections: 1 },
        { imageId: 6, missed: 0, falseDetections: 1 },
      ],
    },
    worstImages: [
      {
        file: files[0],
        width: 128,
        height: 128,
        missed: 2,
        falseDetections: 1,
        predicted: [
          { categoryId: 2, category: 'square', bbox: [10, 12, 40, 38], score: 0.91 },
          { categoryId: 3, category: 'triangle', bbox: [70, 60, 30, 30], score: 0.42 },
        ],
        groundTruth: [
          { categoryId: 2, category: 'square', bbox: [8, 10, 42, 40] },
          { categoryId: 1, category: 'circle', bbox: [80, 20, 24, 24] },
          { categoryId: 3, category: 'triangle', bbox: [40, 80, 30, 28] },
        ],
      },
      {
        file: files[1],
        width: 128,
        height: 128,
        missed: 0,
        falseDetections: 1,
        predicted: [
          { categoryId: 1, category: 'circle', bbox: [20, 20, 50, 50], score: 0.88 },
          { categoryId: 1, category: 'circle', bbox: [90, 90, 20, 20], score: 0.35 },
        ],
        groundTruth: [
          { categoryId: 1, category: 'circle', bbox: [22, 18, 48, 52] },
          { categoryId: 2, category: 'square', bbox: [0, 100, 28, 28], iscrowd: 1 },
        ],
      },
    ],
  }
  return metrics
}

/** The run's record as the run history keeps it, its epochs in the event log as they streamed. */
export function detectionRecord(
  id: string,
  client: string,
  metrics: DetectionTrainingMetrics = detectionMetrics(),
): JobRecord {
  const at = '2024-06-01T12:00:00.000Z'
  const result = {
    jobId: id,
    client,
    state: 'done' as const,
    Training: 'Succesfull' as const,
    Storing: 'Succesfull' as const,
    timings: { syncing: 800, validating: 200, training: 45_000, exporting: 900, uploading: 400 },
    // The record is plain JSON: until the contract types metrics per task, it says what it holds.
    metrics: metrics as unknown as NonNullable<JobRecord['result']>['metrics'],
  }
  const epochEvents = metrics.epochs.map((e, i) => ({
    ...e,
    type: 'epoch' as const,
    seq: 2 + i,
    at,
  }))
  return {
    id,
    client,
    trainType: 'obj_detection',
    params: { ...DEFAULT_TRAIN_PARAMS, epochs: 6 },
    state: 'done',
    createdAt: at,
    updatedAt: at,
    result,
    events: [
      { type: 'stage', state: 'queued', jobId: id, client, seq: 0, at },
      { type: 'stage', state: 'training', seq: 1, at },
      ...(epochEvents as unknown as JobRecord['events']),
      { type: 'stage', state: 'done', seq: 2 + epochEvents.length, at },
      { type: 'result', result, seq: 3 + epochEvents.length, at },
    ] as JobRecord['events'],
  }
}
