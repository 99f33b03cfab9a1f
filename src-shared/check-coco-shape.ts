// Checking a parsed annotations.json against the seed's COCO format, field by field, and keeping
// the entries that are usable. Any JSON value is accepted as input: wrong types anywhere become
// findings, never exceptions.
//
// Severity follows what training relies on: ids, names, file names and the three arrays are
// errors; `info`, `licences` and image width/height (the files themselves are measured) are
// warnings.

import { FindingCollector } from './finding-collector'
import { fileNameProblem, normalizeFileName } from './image-file-name'
import type { JsonPathSegment } from './parse-annotations-json'

export interface CategoryEntry {
  /** Position in the `categories` array. */
  index: number
  id: number
  /** Undefined when the entry has a usable id but no usable name. */
  name?: string
}

export interface ImageEntry {
  index: number
  id: number
  /** Normalized file name; undefined when missing, of the wrong type or unsafe. */
  fileName?: string
  width?: number
  height?: number
}

export interface AnnotationEntry {
  index: number
  imageId: number
  categoryId: number
  /**
   * The box fields as written, judged later only for train types that use them (classification
   * ignores them); a key is present only when the annotation has it.
   */
  box: { bbox?: unknown; area?: unknown; iscrowd?: unknown; segmentation?: unknown }
}

export interface CocoEntries {
  /** First entry for each usable category id. */
  categories: Map<number, CategoryEntry>
  /** First entry for each usable image id. */
  images: Map<number, ImageEntry>
  /** Annotations whose ids are usable and whose image and category exist. */
  annotations: AnnotationEntry[]
  /** Annotations of a known image naming a category id that no category has. */
  unknownCategoryAnnotations: Omit<AnnotationEntry, 'box'>[]
  /** Every file name an image entry gives (normalized), even for entries with other problems. */
  namedFiles: Set<string>
  /** True when `images` is an array, so files under images/ can be matched against it. */
  imagesListed: boolean
  counts: { images: number; annotations: number; categories: number }
}

type Fields = Record<string, unknown>

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function has(object: Fields, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key)
}

function describeType(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'number') return Number.isInteger(value) ? 'a number' : 'a fractional number'
  return `a ${typeof value}`
}

function fieldName(at: JsonPathSegment[], key: string): string {
  return `${at[0]}[${at[1]}].${key}`
}

class ShapeChecker {
  constructor(private readonly findings: FindingCollector) {}

  /** An array at the top level, or undefined after reporting why not. */
  list(root: Fields, key: string, required: boolean): unknown[] | undefined {
    const severity = required ? 'error' : 'warning'
    if (!has(root, key)) {
      if (required)
        this.findings.add('MISSING_FIELD', severity, `"${key}" is missing`, { at: [key] })
      return undefined
    }
    const value = root[key]
    if (Array.isArray(value)) return value
    this.findings.add(
      'WRONG_TYPE',
      severity,
      `"${key}" must be an array, not ${describeType(value)}`,
      {
        at: [key],
      },
    )
    return undefined
  }

  entry(list: string, index: number, value: unknown): Fields | undefined {
    if (isObject(value)) return value
    this.findings.add(
      'WRONG_TYPE',
      'error',
      `${list}[${index}] must be an object, not ${describeType(value)}`,
      { at: [list, index] },
    )
    return undefined
  }

  integer(at: JsonPathSegment[], object: Fields, key: string): number | undefined {
    if (!has(object, key)) {
      this.findings.add('MISSING_FIELD', 'error', `${fieldName(at, key)} is missing`, {
        at: [...at, key],
      })
      return undefined
    }
    const value = object[key]
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value
    this.findings.add(
      'WRONG_TYPE',
      'error',
      `${fieldName(at, key)} must be an integer, not ${describeType(value)}`,
      { at: [...at, key] },
    )
    return undefined
  }

  text(at: JsonPathSegment[], object: Fields, key: string): string | undefined {
    if (!has(object, key)) {
      this.findings.add('MISSING_FIELD', 'error', `${fieldName(at, key)} is missing`, {
        at: [...at, key],
      })
      return undefined
    }
    const value = object[key]
    if (typeof value === 'string' && value.trim() !== '') return value
    const what = typeof value === 'string' ? 'an empty string' : describeType(value)
    this.findings.add(
      'WRONG_TYPE',
      'error',
      `${fieldName(at, key)} must be a non-empty string, not ${what}`,
      {
        at: [...at, key],
      },
    )
    return undefined
  }

  /** Width or height: only compared with the file, so problems are warnings. */
  dimension(at: JsonPathSegment[], object: Fields, key: string): number | undefined {
    if (!has(object, key)) {
      this.findings.add('MISSING_FIELD', 'warning', `${fieldName(at, key)} is missing`, {
        at: [...at, key],
      })
      return undefined
    }
    const value = object[key]
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value
    this.findings.add(
      'WRONG_TYPE',
      'warning',
      `${fieldName(at, key)} must be a positive integer, not ${describeType(value)}`,
      { at: [...at, key] },
    )
    return undefined
  }

  /** Records the first use of an id; reports later ones. */
  unique(seen: Map<number, number>, list: string, index: number, id: number): boolean {
    const first = seen.get(id)
    if (first === undefined) {
      seen.set(id, index)
      return true
    }
    this.findings.add(
      'DUPLICATE_ID',
      'error',
      `${list}[${index}].id ${id} is already used by ${list}[${first}]`,
      { at: [list, index, 'id'] },
    )
    return false
  }
}

export function checkCocoShape(value: unknown, findings: FindingCollector): CocoEntries {
  const entries: CocoEntries = {
    categories: new Map(),
    images: new Map(),
    annotations: [],
    unknownCategoryAnnotations: [],
    namedFiles: new Set(),
    imagesListed: false,
    counts: { images: 0, annotations: 0, categories: 0 },
  }
  if (!isObject(value)) {
    findings.add(
      'WRONG_TYPE',
      'error',
      `annotations.json must hold an object, not ${describeType(value)}`,
      {
        at: [],
      },
    )
    return entries
  }
  const check = new ShapeChecker(findings)

  if (!has(value, 'info'))
    findings.add('MISSING_FIELD', 'warning', '"info" is missing (an empty object will do)', {
      at: ['info'],
    })
  else if (!isObject(value.info))
    findings.add(
      'WRONG_TYPE',
      'warning',
      `"info" must be an object, not ${describeType(value.info)}`,
      {
        at: ['info'],
      },
    )
  // Both spellings are in use: the seed writes "licences", COCO itself "licenses".
  for (const key of ['licences', 'licenses']) check.list(value, key, false)

  const categories = check.list(value, 'categories', true) ?? []
  const images = check.list(value, 'images', true)
  const annotations = check.list(value, 'annotations', true) ?? []
  entries.imagesListed = images !== undefined
  entries.counts = {
    categories: categories.length,
    images: images?.length ?? 0,
    annotations: annotations.length,
  }

  // Ids seen, including entries whose other fields are broken: references to them are not "unknown".
  const categoryIds = new Map<number, number>()
  categories.forEach((item, index) => {
    const category = check.entry('categories', index, item)
    if (category === undefined) return
    const at = ['categories', index]
    const id = check.integer(at, category, 'id')
    const name = check.text(at, category, 'name')
    if (id === undefined || !check.unique(categoryIds, 'categories', index, id)) return
    entries.categories.set(id, name === undefined ? { index, id } : { index, id, name })
  })

  const imageIds = new Map<number, number>()
  ;(images ?? []).forEach((item, index) => {
    const image = check.entry('images', index, item)
    if (image === undefined) return
    const at = ['images', index]
    const id = check.integer(at, image, 'id')
    const rawName = check.text(at, image, 'file_name')
    const width = check.dimension(at, image, 'width')
    const height = check.dimension(at, image, 'height')
    let fileName: string | undefined
    if (rawName !== undefined) {
      const problem = fileNameProblem(rawName)
      if (problem === undefined) fileName = normalizeFileName(rawName)
      else
        findings.add('UNSAFE_FILE_NAME', 'error', `images[${index}].file_name ${problem}`, {
          at: [...at, 'file_name'],
          file: rawName,
        })
      entries.namedFiles.add(normalizeFileName(rawName))
    }
    if (id === undefined || !check.unique(imageIds, 'images', index, id)) return
    entries.images.set(id, { index, id, fileName, width, height })
  })

  const annotationIds = new Map<number, number>()
  annotations.forEach((item, index) => {
    const annotation = check.entry('annotations', index, item)
    if (annotation === undefined) return
    const at = ['annotations', index]
    const id = check.integer(at, annotation, 'id')
    const imageId = check.integer(at, annotation, 'image_id')
    const categoryId = check.integer(at, annotation, 'category_id')
    // A repeated annotation id is an error, but what the annotation says still counts, so the
    // image does not also get reported as unannotated.
    if (id !== undefined) check.unique(annotationIds, 'annotations', index, id)
    let known = true
    if (imageId !== undefined && images !== undefined && !imageIds.has(imageId)) {
      known = false
      findings.add(
        'UNKNOWN_IMAGE_ID',
        'error',
        `annotations[${index}].image_id ${imageId} matches no entry in "images"`,
        { at: [...at, 'image_id'] },
      )
    }
    if (categoryId !== undefined && !categoryIds.has(categoryId)) {
      known = false
      findings.add(
        'UNKNOWN_CATEGORY_ID',
        'error',
        `annotations[${index}].category_id ${categoryId} matches no entry in "categories"`,
        { at: [...at, 'category_id'] },
      )
    }
    if (imageId === undefined || categoryId === undefined) return
    if (known) {
      const box: AnnotationEntry['box'] = {}
      for (const key of ['bbox', 'area', 'iscrowd', 'segmentation'] as const)
        if (has(annotation, key)) box[key] = annotation[key]
      entries.annotations.push({ index, imageId, categoryId, box })
    } else if (!categoryIds.has(categoryId) && (images === undefined || imageIds.has(imageId)))
      entries.unknownCategoryAnnotations.push({ index, imageId, categoryId })
  })
  return entries
}
