// The images a job leaves out, and whether there are too many: files the validator found
// unreadable from their headers (skipped with an IMAGE_UNREADABLE warning) and files whose pixels
// the training worker could not decode (listed in the model's metrics.json). Up to the setting
// TRAINING_SERVER_MAX_BAD_IMAGE_RATE of a dataset may be skipped; above it the job fails.

import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AnnotationReport } from '../../src-shared/annotation-report'
import { appError, type AppError } from '../../src-shared/errors'
import type { SkippedImage } from '../../src-shared/job-events'
import { MODEL_FILES, type MetricsFile } from '../engine/worker/training-protocol'

/** Skipped images named in a result; the count covers them all. */
export const SKIPPED_IMAGES_LISTED = 100

export interface SkippedImages {
  skippedImages: SkippedImage[]
  skippedImageCount: number
}

/** The images the validator skipped, as far as the report lists them, and how many there are. */
export function skippedByValidation(report: AnnotationReport): SkippedImages {
  const listed = report.findings
    .filter((f) => f.code === 'IMAGE_UNREADABLE' && f.severity === 'warning' && f.file)
    .map((f) => ({ file: f.file ?? '', code: f.code, message: f.message }))
  return { skippedImages: listed, skippedImageCount: report.stats.unreadableImages ?? 0 }
}

/** The images the training worker could not decode, from the metrics.json it wrote. */
export async function skippedByTraining(weights: string): Promise<SkippedImages> {
  try {
    const text = await readFile(join(weights, MODEL_FILES.metrics), 'utf8')
    const metrics = JSON.parse(text) as Partial<MetricsFile>
    const list = Array.isArray(metrics.skippedImages) ? metrics.skippedImages : []
    return {
      skippedImages: list.slice(0, SKIPPED_IMAGES_LISTED).map((entry) => ({
        file: String(entry.file),
        code: 'IMAGE_UNREADABLE',
        message: String(entry.message),
      })),
      skippedImageCount: list.length,
    }
  } catch {
    // No metrics file means nothing to add: the worker reports every skip it makes there.
    return { skippedImages: [], skippedImageCount: 0 }
  }
}

export function combineSkipped(...parts: SkippedImages[]): SkippedImages {
  return {
    skippedImages: parts.flatMap((p) => p.skippedImages).slice(0, SKIPPED_IMAGES_LISTED),
    skippedImageCount: parts.reduce((sum, p) => sum + p.skippedImageCount, 0),
  }
}

/** TOO_MANY_BAD_IMAGES when more than `rate` of the `total` listed images were skipped. */
export function badImageProblem(
  skipped: SkippedImages,
  total: number,
  rate: number,
): AppError | undefined {
  if (skipped.skippedImageCount <= total * rate) return undefined
  const percent = Math.round(rate * 1000) / 10
  return appError(
    'TOO_MANY_BAD_IMAGES',
    `${skipped.skippedImageCount} of ${total} images cannot be decoded; at most ${percent}% may be ` +
      'skipped (TRAINING_SERVER_MAX_BAD_IMAGE_RATE)',
    {
      field: 'TRAINING_SERVER_MAX_BAD_IMAGE_RATE',
      details: {
        skipped: skipped.skippedImageCount,
        total,
        maxRate: rate,
        examples: skipped.skippedImages.slice(0, 5),
      },
    },
  )
}
