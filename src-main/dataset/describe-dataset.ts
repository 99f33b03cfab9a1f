// What the UI shows of one local dataset: its files with sizes and labels, and its classes.
// Annotations are read leniently here: a broken annotations.json still lets the user browse
// the images (without labels) while the report explains what is wrong.

import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { AnnotationReport } from '../../src-shared/annotation-report'
import { checkCocoShape, type CocoEntries } from '../../src-shared/check-coco-shape'
import type { DatasetImage, DatasetView } from '../../src-shared/dataset-view'
import { FindingCollector } from '../../src-shared/finding-collector'
import { parseAnnotationsJson } from '../../src-shared/parse-annotations-json'
import { readAnnotationsText } from './load-dataset'
import { probeImageFiles } from './probe-images'

async function readEntries(root: string): Promise<CocoEntries | undefined> {
  const annotations = await readAnnotationsText(root)
  if (!('text' in annotations)) return undefined
  const parsed = parseAnnotationsJson(annotations.text)
  return parsed.ok ? checkCocoShape(parsed.value, new FindingCollector()) : undefined
}

/** Category id per file name, for images annotated with exactly one category. */
function labelsByFile(entries: CocoEntries): Map<string, number> {
  const categoriesOf = new Map<number, Set<number>>()
  for (const { imageId, categoryId } of entries.annotations) {
    const set = categoriesOf.get(imageId) ?? new Set<number>()
    set.add(categoryId)
    categoriesOf.set(imageId, set)
  }
  const labels = new Map<string, number>()
  for (const image of entries.images.values()) {
    const categories = categoriesOf.get(image.id)
    const only = categories?.size === 1 ? [...categories][0] : undefined
    if (image.fileName === undefined || only === undefined || labels.has(image.fileName)) continue
    if (entries.categories.get(only)?.name !== undefined) labels.set(image.fileName, only)
  }
  return labels
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined
}

export async function describeDataset(
  client: string,
  root: string,
  report?: AnnotationReport,
): Promise<DatasetView> {
  const [synced, files, entries] = await Promise.all([
    Promise.all([exists(join(root, 'images')), exists(join(root, 'coco'))]).then(
      ([images, coco]) => images || coco,
    ),
    probeImageFiles(join(root, 'images')),
    readEntries(root),
  ])
  const labels = entries === undefined ? new Map<string, number>() : labelsByFile(entries)
  const counts = new Map<number, number>()
  const images: DatasetImage[] = []
  for (const [file, facts] of files) {
    const image: DatasetImage = { file, bytes: facts.bytes }
    if (facts.width !== undefined) image.width = facts.width
    if (facts.height !== undefined) image.height = facts.height
    const categoryId = labels.get(file)
    const name = categoryId === undefined ? undefined : entries?.categories.get(categoryId)?.name
    if (categoryId !== undefined && name !== undefined) {
      image.label = name
      counts.set(categoryId, (counts.get(categoryId) ?? 0) + 1)
    }
    images.push(image)
  }
  const classes = [...(entries?.categories.values() ?? [])]
    .filter((category) => category.name !== undefined)
    .sort((a, b) => a.id - b.id)
    .map((category) => ({
      name: category.name ?? '',
      categoryId: category.id,
      count: counts.get(category.id) ?? 0,
    }))
  const view: DatasetView = { client, synced, images, classes }
  if (report !== undefined) view.report = report
  return view
}
