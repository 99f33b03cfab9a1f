// The lenient reading of annotations.json that the dataset view needs: each file's single
// category, and the named categories. A broken file gives no labels rather than an error.

import { checkCocoShape, type CocoEntries } from '../../src-shared/check-coco-shape'
import { FindingCollector } from '../../src-shared/finding-collector'
import { parseAnnotationsJson } from '../../src-shared/parse-annotations-json'
import { readAnnotationsText } from './annotations-text'

export interface AnnotationLabels {
  /** Category id per file name, for images annotated with exactly one category. */
  labels: Map<string, number>
  /** Category id per file name, for images whose one category annotations.json does not define. */
  unknownCategories: Map<string, number>
  categories: { id: number; name: string }[]
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
  return { ...labelsByFile(entries), categories }
}
