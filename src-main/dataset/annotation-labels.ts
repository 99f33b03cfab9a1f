// The lenient reading of annotations.json that the dataset view needs: each file's single
// category, its boxes when the annotations have any, and the named categories. A broken file
// gives no labels rather than an error.

import { checkCocoShape, type CocoEntries } from '../../src-shared/check-coco-shape'
import { checkDetectionBoxes } from '../../src-shared/check-detection-boxes'
import type { DatasetImageBox } from '../../src-shared/dataset-view'
import { FindingCollector } from '../../src-shared/finding-collector'
import { parseAnnotationsJson } from '../../src-shared/parse-annotations-json'
import { readAnnotationsText } from './annotations-text'

export interface AnnotationLabels {
  /** Category id per file name, for images annotated with exactly one category. */
  labels: Map<string, number>
  /** Category id per file name, for images whose one category annotations.json does not define. */
  unknownCategories: Map<string, number>
  categories: { id: number; name: string }[]
  /** Valid boxes per file name (clipped to the size annotations.json gives), for images with any. */
  boxes?: Map<string, { width?: number; height?: number; boxes: DatasetImageBox[] }>
}

function labelsByFile(entries: CocoEntries): Omit<AnnotationLabels, 'categories'> {
  const categoriesOf = new Map<number, Set<number>>()
  for (const { imageId, categoryId } of [
    ...entries.annotations,
    ...entries.unknownCategoryAnnotations,
  ]) {
    const set = categoriesOf.get(imageId) ?? new Set<number>()
    set.add(categoryId)
    categoriesOf.set(imageId, set)
  }
  const labels = new Map<string, number>()
  const unknownCategories = new Map<string, number>()
  for (const image of entries.images.values()) {
    const categories = categoriesOf.get(image.id)
    const only = categories?.size === 1 ? [...categories][0] : undefined
    if (image.fileName === undefined || only === undefined || labels.has(image.fileName)) continue
    if (entries.categories.get(only)?.name !== undefined) labels.set(image.fileName, only)
    else if (!entries.categories.has(only)) unknownCategories.set(image.fileName, only)
  }
  return { labels, unknownCategories }
}

export async function readAnnotationLabels(root: string): Promise<AnnotationLabels | undefined> {
  const annotations = await readAnnotationsText(root)
  if (!('text' in annotations)) return undefined
  const parsed = parseAnnotationsJson(annotations.text)
  if (!parsed.ok) return undefined
  const entries = checkCocoShape(parsed.value, new FindingCollector())
  const categories: AnnotationLabels['categories'] = []
  for (const category of entries.categories.values())
    if (category.name !== undefined) categories.push({ id: category.id, name: category.name })
  return { ...labelsByFile(entries), categories, boxes: boxesByFile(entries) }
}

/** The detection rules' own reading of the boxes, so what is drawn is what would be trained. */
function boxesByFile(entries: CocoEntries): NonNullable<AnnotationLabels['boxes']> {
  const byFile: NonNullable<AnnotationLabels['boxes']> = new Map()
  // Classification files seldom have boxes: judging absent ones would only make findings to drop.
  if (!entries.annotations.some((annotation) => annotation.box.bbox !== undefined)) return byFile
  const sizeOf = (image: { width?: number; height?: number }) =>
    image.width !== undefined && image.height !== undefined
      ? { width: image.width, height: image.height }
      : undefined
  const boxes = checkDetectionBoxes(entries, sizeOf, new FindingCollector())
  for (const image of entries.images.values()) {
    const found = boxes.get(image.id)
    if (image.fileName === undefined || !found || byFile.has(image.fileName)) continue
    byFile.set(image.fileName, {
      width: image.width,
      height: image.height,
      boxes: found.map(({ categoryId, bbox, iscrowd }) =>
        iscrowd === 1 ? { categoryId, bbox, iscrowd } : { categoryId, bbox },
      ),
    })
  }
  return byFile
}
