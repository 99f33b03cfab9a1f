// What the UI shows of one local dataset: its files with sizes and labels, and its classes.
// Annotations are read leniently here: a broken annotations.json still lets the user browse
// the images (without labels) while the report explains what is wrong.

import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { AnnotationReport } from '../../src-shared/annotation-report'
import type { DatasetImage, DatasetView } from '../../src-shared/dataset-view'
import type { SkippedImage } from '../../src-shared/job-events'
import { inAnnotationsWorker } from './annotations-off-thread'
import { probeImageFiles } from './probe-images'

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined
}

/** What the caller knows beyond the folder: the last mirror and the images training leaves out. */
export interface DatasetFacts {
  /** Set when a sync of the bucket has finished (even one that found the bucket empty). */
  mirroredAt?: string
  skipped?: { skippedImages: SkippedImage[]; skippedImageCount: number }
}

export async function describeDataset(
  client: string,
  root: string,
  report?: AnnotationReport,
  facts: DatasetFacts = {},
): Promise<DatasetView> {
  const [hasFiles, files, entries] = await Promise.all([
    Promise.all([exists(join(root, 'images')), exists(join(root, 'coco'))]).then(
      ([images, coco]) => images || coco,
    ),
    probeImageFiles(join(root, 'images')),
    // Browsing still works when the file cannot be judged at all: the images, without labels.
    inAnnotationsWorker({ kind: 'labels', root }).catch(() => undefined),
  ])
  const labels = entries?.labels ?? new Map<string, number>()
  const names = new Map(entries?.categories.map((category) => [category.id, category.name]))
  const counts = new Map<number, number>()
  const skippedBy = new Map<string, { code: string; message: string }>()
  for (const finding of report?.findings ?? [])
    if (finding.code === 'IMAGE_UNREADABLE' && finding.file)
      skippedBy.set(finding.file, { code: finding.code, message: finding.message })
  for (const { file, code, message } of facts.skipped?.skippedImages ?? [])
    if (!skippedBy.has(file)) skippedBy.set(file, { code, message })
  const images: DatasetImage[] = []
  for (const [file, facts] of files) {
    const image: DatasetImage = { file, bytes: facts.bytes }
    if (facts.width !== undefined) image.width = facts.width
    if (facts.height !== undefined) image.height = facts.height
    const categoryId = labels.get(file)
    const name = categoryId === undefined ? undefined : names.get(categoryId)
    if (categoryId !== undefined && name !== undefined) image.label = name
    // An image with boxes counts once for each class it shows; otherwise for its one label.
    const boxed = entries?.boxes?.get(file)
    const shown = boxed
      ? new Set(boxed.boxes.map((box) => box.categoryId))
      : name !== undefined && categoryId !== undefined
        ? [categoryId]
        : []
    for (const id of shown) counts.set(id, (counts.get(id) ?? 0) + 1)
    const unknown = entries?.unknownCategories?.get(file)
    if (unknown !== undefined) image.unknownCategoryId = unknown
    if (boxed !== undefined) {
      image.boxes = boxed.boxes
      // Boxes are in the pixels annotations.json states; the file's own size is the same image.
      image.width ??= boxed.width
      image.height ??= boxed.height
    }
    const skipped = skippedBy.get(file)
    if (skipped !== undefined) image.skipped = skipped
    images.push(image)
  }
  const classes = [...(entries?.categories ?? [])]
    .sort((a, b) => a.id - b.id)
    .map((category) => ({
      name: category.name,
      categoryId: category.id,
      count: counts.get(category.id) ?? 0,
    }))
  const synced = hasFiles || facts.mirroredAt !== undefined
  const view: DatasetView = { client, synced, images, classes }
  if (synced && !hasFiles) view.empty = true
  if (facts.mirroredAt !== undefined) view.syncedAt = facts.mirroredAt
  if (report !== undefined) view.report = report
  const skippedCount = Math.max(
    skippedBy.size,
    report?.stats.unreadableImages ?? 0,
    facts.skipped?.skippedImageCount ?? 0,
  )
  if (skippedCount > 0) {
    view.skippedImageCount = skippedCount
    view.skippedImages = [...skippedBy].slice(0, 100).map(([file, why]) => ({ file, ...why }))
  }
  return view
}
