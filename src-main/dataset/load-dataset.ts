// Reading one local dataset (coco/annotations.json + images/) into a validation report and,
// when the report is clean, the list of images and labels to train on.

import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  summarizeFindings,
  type AnnotationReport,
  type Finding,
} from '../../src-shared/annotation-report'
import type { TrainType } from '../../src-shared/train-params'
import {
  validateAnnotations,
  type ImageFileFacts,
  type ValidatedDataset,
} from '../../src-shared/validate-annotations'
import { probeImageFiles } from './probe-images'

export const ANNOTATIONS_FILE = 'coco/annotations.json'
/**
 * Larger files are refused before reading: parsing holds several times the file's size in memory.
 * 32 MiB lists some 200,000 images, far more than one machine trains on.
 */
export const ANNOTATIONS_SIZE_LIMIT = 32 * 1024 * 1024

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

/** The annotations text, or the finding that explains why there is none to validate. */
export async function readAnnotationsText(
  root: string,
): Promise<{ text: string } | { finding: Omit<Finding, 'severity' | 'path'> }> {
  const file = join(root, ...ANNOTATIONS_FILE.split('/'))
  const info = await stat(file).catch(() => undefined)
  if (info === undefined || !info.isFile())
    return {
      finding: {
        code: 'ANNOTATIONS_MISSING',
        message: `${ANNOTATIONS_FILE} is not in the dataset`,
      },
    }
  if (info.size > ANNOTATIONS_SIZE_LIMIT)
    return {
      finding: {
        code: 'ANNOTATIONS_TOO_LARGE',
        message: `${ANNOTATIONS_FILE} is ${(info.size / 2 ** 20).toFixed(0)} MB, above the ${ANNOTATIONS_SIZE_LIMIT / 2 ** 20} MB limit`,
      },
    }
  try {
    return { text: await readFile(file, 'utf8') }
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown)
    return {
      finding: {
        code: 'ANNOTATIONS_MISSING',
        message: `${ANNOTATIONS_FILE} cannot be read: ${reason}`,
      },
    }
  }
}

/** What training defaults follow from: how many images there are and how large they are. */
export interface DatasetFacts {
  images: number
  /** Median of the images' shorter sides, in pixels (0 when no image has known dimensions). */
  medianSide: number
}

function datasetFacts(dataset: ValidatedDataset, files: Map<string, ImageFileFacts>): DatasetFacts {
  const sides: number[] = []
  for (const item of dataset.items) {
    const facts = files.get(item.fileName)
    if (facts?.width !== undefined && facts.height !== undefined)
      sides.push(Math.min(facts.width, facts.height))
  }
  sides.sort((a, b) => a - b)
  return { images: dataset.items.length, medianSide: sides[Math.floor(sides.length / 2)] ?? 0 }
}

export async function loadDataset(
  root: string,
  opts: LoadDatasetOptions,
): Promise<{ report: AnnotationReport; dataset?: ValidatedDataset; facts?: DatasetFacts }> {
  const [annotations, files] = await Promise.all([
    readAnnotationsText(root),
    probeImageFiles(join(root, 'images')),
  ])
  if ('finding' in annotations) return failed(annotations.finding)
  const result = validateAnnotations(annotations.text, {
    trainType: opts.trainType,
    minImagesPerClass: opts.minImagesPerClass,
    files,
    maxUnreadableShare: opts.maxBadImageRate,
  })
  return result.dataset === undefined
    ? result
    : { ...result, facts: datasetFacts(result.dataset, files) }
}
