// Reading one local dataset (coco/annotations.json + images/) into a validation report and,
// when the report is clean, the list of images and labels to train on. Parsing and validation
// run in a worker thread: a large file takes seconds, which must not stall the server.

import { join } from 'node:path'
import {
  summarizeFindings,
  type AnnotationReport,
  type Finding,
} from '../../src-shared/annotation-report'
import type { TrainType } from '../../src-shared/train-params'
import type { ImageFileFacts, ValidatedDataset } from '../../src-shared/validate-annotations'
import { inAnnotationsWorker } from './annotations-off-thread'
import { ANNOTATIONS_FILE } from './annotations-text'
import { probeImageFiles } from './probe-images'

export { ANNOTATIONS_FILE, ANNOTATIONS_SIZE_LIMIT, readAnnotationsText } from './annotations-text'

export interface LoadDatasetOptions {
  trainType: TrainType
  minImagesPerClass?: number
  /** Share of images whose files may be unreadable; they are then skipped (default 0). */
  maxBadImageRate?: number
}

function failed(finding: Omit<Finding, 'severity' | 'path'>): { report: AnnotationReport } {
  return {
    report: summarizeFindings([{ ...finding, severity: 'error', path: ANNOTATIONS_FILE }], {
      images: 0,
      annotations: 0,
      categories: 0,
      imagesPerClass: {},
    }),
  }
}

/** What training defaults follow from: how many images there are and how large they are. */
export interface DatasetFacts {
  images: number
  /** Median of the images' shorter sides, in pixels (0 when no image has known dimensions). */
  medianSide: number
  /** Detection and segmentation: median of the objects' shorter box sides, in image pixels. */
  medianObjectSide?: number
}

function median(values: number[]): number | undefined {
  values.sort((a, b) => a - b)
  return values[Math.floor(values.length / 2)]
}

function datasetFacts(dataset: ValidatedDataset, files: Map<string, ImageFileFacts>): DatasetFacts {
  const sides: number[] = []
  for (const item of dataset.items) {
    const facts = files.get(item.fileName)
    if (facts?.width !== undefined && facts.height !== undefined)
      sides.push(Math.min(facts.width, facts.height))
  }
  const objectSides = dataset.items.flatMap((item) =>
    (item.boxes ?? [])
      .filter((box) => box.iscrowd === 0)
      .map((box) => Math.min(box.bbox[2], box.bbox[3])),
  )
  const medianObjectSide = median(objectSides)
  return {
    images: dataset.items.length,
    medianSide: median(sides) ?? 0,
    ...(medianObjectSide !== undefined && { medianObjectSide }),
  }
}

export async function loadDataset(
  root: string,
  opts: LoadDatasetOptions,
): Promise<{ report: AnnotationReport; dataset?: ValidatedDataset; facts?: DatasetFacts }> {
  const files = await probeImageFiles(join(root, 'images'))
  const answer = await inAnnotationsWorker({
    kind: 'validate',
    root,
    trainType: opts.trainType,
    minImagesPerClass: opts.minImagesPerClass,
    files,
    maxUnreadableShare: opts.maxBadImageRate,
  }).catch((thrown: unknown) => ({
    finding: {
      code: 'INVALID_JSON' as const,
      message: thrown instanceof Error ? thrown.message : String(thrown),
    },
  }))
  if ('finding' in answer) return failed(answer.finding)
  const { result } = answer
  return result.dataset === undefined
    ? result
    : { ...result, facts: datasetFacts(result.dataset, files) }
}
