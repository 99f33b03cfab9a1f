// The annotation validator: annotations.json plus facts about the files under images/ in, one
// AnnotationReport out, and the dataset to train on when the report has no errors. Pure
// TypeScript, so the desktop app, the headless server and the UI all judge a dataset the same way.
// It never throws: any text, however broken, gets a report.

import { summarizeFindings, type AnnotationReport, type DatasetStats } from './annotation-report'
import { checkCocoShape, type CocoEntries, type ImageEntry } from './check-coco-shape'
import { checkDetectionBoxes, type DatasetBox, type ImageSize } from './check-detection-boxes'
import { checkSegmentationMasks } from './check-segmentation-masks'
import { FindingCollector } from './finding-collector'
import { parseAnnotationsJson } from './parse-annotations-json'
import type { TrainType } from './train-params'

export type { DatasetBox } from './check-detection-boxes'

export interface ImageFileFacts {
  bytes: number
  width?: number
  height?: number
  readable: boolean
  problem?: string
}

export interface ClassInfo {
  index: number
  categoryId: number
  name: string
}

export interface ClassificationItem {
  imageId: number
  fileName: string
  /**
   * Index into `classes`. Detection: the class of the box with the lowest category id, and -1 for
   * an image with no box to train on (a negative).
   */
  label: number
  /** Detection only: every box of the image, crowd regions included, in annotation order. */
  boxes?: DatasetBox[]
}

export interface ValidatedDataset {
  classes: ClassInfo[]
  items: ClassificationItem[]
}

export interface ValidateOptions {
  trainType: TrainType
  /** Fewest images a class may have; default DEFAULT_MIN_IMAGES_PER_CLASS. */
  minImagesPerClass?: number
  /** Facts about every file under images/, keyed by its path relative to images/ with '/'. */
  files: Map<string, ImageFileFacts>
  /**
   * Share of the listed images (0..1) whose files may be unreadable: up to it, each such image is
   * skipped with an IMAGE_UNREADABLE warning; above it, each is an error. Default 0: any is an error.
   */
  maxUnreadableShare?: number
}

export interface ValidationResult {
  report: AnnotationReport
  dataset?: ValidatedDataset
}

export const DEFAULT_MIN_IMAGES_PER_CLASS = 2
/** The label of a detection image with no object in it. */
export const NO_LABEL = -1

interface UsableImage {
  imageId: number
  fileName: string
  /** The lowest category id; undefined for a detection image with no box to train on. */
  categoryId?: number
  boxes?: DatasetBox[]
}

function emptyStats(): DatasetStats {
  return { images: 0, annotations: 0, categories: 0, imagesPerClass: {} }
}

/** Finds a file whose name differs only in letter case; the index is built on first use. */
function caseInsensitiveLookup(
  files: Map<string, ImageFileFacts>,
): (name: string) => string | undefined {
  let index: Map<string, string> | undefined
  return (name) => {
    if (index === undefined) {
      index = new Map()
      for (const file of files.keys()) index.set(file.toLowerCase(), file)
    }
    return index.get(name.toLowerCase())
  }
}

/**
 * The size boxes are judged against: the annotation's own width and height (the frame its boxes
 * were drawn in), else the measured file.
 */
function imageSize(image: ImageEntry, files: Map<string, ImageFileFacts>): ImageSize | undefined {
  if (image.width !== undefined && image.height !== undefined)
    return { width: image.width, height: image.height }
  const facts = image.fileName === undefined ? undefined : files.get(image.fileName)
  if (facts?.readable === true && facts.width !== undefined && facts.height !== undefined)
    return { width: facts.width, height: facts.height }
  return undefined
}

/**
 * Detection and segmentation: the boxes of every image. Segmentation first reads each mask (its
 * box and area filled in from the mask where the annotation gives none), then judges the boxes of
 * the annotations whose mask is valid by the detection rules, so both tasks judge boxes alike.
 */
function objectBoxes(
  entries: CocoEntries,
  trainType: TrainType,
  sizeOf: (image: ImageEntry) => ImageSize | undefined,
  findings: FindingCollector,
): Map<number, DatasetBox[]> | undefined {
  if (trainType === 'obj_detection') return checkDetectionBoxes(entries, sizeOf, findings)
  if (trainType !== 'instance_segmentation') return undefined
  const { masks, annotations } = checkSegmentationMasks(entries, sizeOf, findings)
  return checkDetectionBoxes({ ...entries, annotations }, sizeOf, findings, masks)
}

/** How unreadable image files are judged: skipped with a warning, or errors (with the why). */
interface UnreadablePolicy {
  severity: 'error' | 'warning'
  note: string
  count: number
}

function unreadablePolicy(entries: CocoEntries, options: ValidateOptions): UnreadablePolicy {
  const allowed = options.maxUnreadableShare
  const share = allowed !== undefined && allowed >= 0 && allowed <= 1 ? allowed : 0
  let unreadable = 0
  for (const image of entries.images.values())
    if (image.fileName !== undefined && options.files.get(image.fileName)?.readable === false)
      unreadable++
  const listed = entries.images.size
  if (unreadable > 0 && unreadable <= listed * share)
    return { severity: 'warning', note: '; it is skipped', count: unreadable }
  const percent = `${Math.round(share * 1000) / 10}%`
  return {
    severity: 'error',
    count: unreadable,
    note:
      share > 0
        ? ` (${unreadable} of ${listed} images are unreadable, above the ${percent} allowed)`
        : '',
  }
}

function checkImageFile(
  image: ImageEntry,
  fileName: string,
  files: Map<string, ImageFileFacts>,
  sameButCase: (name: string) => string | undefined,
  findings: FindingCollector,
  unreadable: UnreadablePolicy,
): boolean {
  const at = ['images', image.index, 'file_name']
  const facts = files.get(fileName)
  if (facts === undefined) {
    const near = sameButCase(fileName)
    const hint = near === undefined ? '' : ` (there is "${near}": names are case-sensitive)`
    findings.add('IMAGE_FILE_MISSING', 'error', `images/${fileName} does not exist${hint}`, {
      at,
      file: fileName,
    })
    return false
  }
  if (!facts.readable) {
    findings.add(
      'IMAGE_UNREADABLE',
      unreadable.severity,
      `images/${fileName} cannot be read as an image: ${facts.problem ?? 'unknown problem'}${unreadable.note}`,
      { at, file: fileName },
    )
    return false
  }
  const { width, height } = image
  if (
    width !== undefined &&
    height !== undefined &&
    facts.width !== undefined &&
    facts.height !== undefined &&
    !(width === facts.width && height === facts.height) &&
    // Tools disagree on whether EXIF-rotated photos are measured before or after rotation.
    !(width === facts.height && height === facts.width)
  )
    findings.add(
      'IMAGE_SIZE_MISMATCH',
      'warning',
      `images[${image.index}] is ${width}×${height} in annotations.json but the file is ${facts.width}×${facts.height}`,
      { at: ['images', image.index], file: fileName },
    )
  return true
}

/** Decides, image by image, which images can be trained on and with which category. */
function usableImages(
  entries: CocoEntries,
  options: ValidateOptions,
  findings: FindingCollector,
): { usable: UsableImage[]; unreadable: number } {
  const categoriesOf = new Map<number, Set<number>>()
  for (const annotation of entries.annotations) {
    const set = categoriesOf.get(annotation.imageId) ?? new Set<number>()
    set.add(annotation.categoryId)
    categoriesOf.set(annotation.imageId, set)
  }
  const sizeOf = (image: ImageEntry) => imageSize(image, options.files)
  const boxesOf = objectBoxes(entries, options.trainType, sizeOf, findings)
  const usable: UsableImage[] = []
  const sameButCase = caseInsensitiveLookup(options.files)
  const unreadable = unreadablePolicy(entries, options)
  for (const image of entries.images.values()) {
    const fileName = image.fileName
    const fileOk =
      fileName !== undefined &&
      checkImageFile(image, fileName, options.files, sameButCase, findings, unreadable)
    const categoryIds = [...(categoriesOf.get(image.id) ?? [])].sort((a, b) => a - b)
    const first = categoryIds[0]
    if (boxesOf !== undefined) {
      // An image without boxes is a negative: it teaches the detector what is not an object.
      const boxes = boxesOf.get(image.id) ?? []
      const named = categoryIds.every((id) => entries.categories.get(id)?.name !== undefined)
      const objectIds = boxes.filter((box) => box.iscrowd === 0).map((box) => box.categoryId)
      const lowest = objectIds.length > 0 ? Math.min(...objectIds) : undefined
      if (fileOk && fileName !== undefined && named)
        usable.push({
          imageId: image.id,
          fileName,
          boxes,
          ...(lowest !== undefined && { categoryId: lowest }),
        })
      continue
    }
    if (first === undefined) {
      findings.add(
        'IMAGE_WITHOUT_ANNOTATION',
        'warning',
        `images[${image.index}] (id ${image.id}) has no annotation and is skipped`,
        { at: ['images', image.index], file: fileName },
      )
      continue
    }
    if (options.trainType === 'classification' && categoryIds.length > 1) {
      const names = categoryIds.map((id) => {
        const name = entries.categories.get(id)?.name
        return name === undefined ? `id ${id}` : `"${name}" (id ${id})`
      })
      findings.add(
        'MULTIPLE_LABELS',
        'error',
        `images[${image.index}] (id ${image.id}) is annotated with ${names.length} categories: ${names.join(', ')}; classification needs exactly one`,
        { at: ['images', image.index], file: fileName },
      )
      continue
    }
    // Categories without a usable name were reported already; their images cannot be labelled.
    const named = categoryIds.every((id) => entries.categories.get(id)?.name !== undefined)
    // Detection and segmentation keep all categories per image; the item carries the lowest id.
    if (fileOk && fileName !== undefined && named)
      usable.push({ imageId: image.id, fileName, categoryId: first })
  }
  return { usable, unreadable: unreadable.count }
}

function checkClasses(
  entries: CocoEntries,
  counts: Map<number, number>,
  options: ValidateOptions,
  findings: FindingCollector,
): void {
  const minimum =
    options.minImagesPerClass !== undefined &&
    Number.isInteger(options.minImagesPerClass) &&
    options.minImagesPerClass > 0
      ? options.minImagesPerClass
      : DEFAULT_MIN_IMAGES_PER_CLASS
  let classes = 0
  for (const category of entries.categories.values()) {
    if (category.name === undefined) continue
    const count = counts.get(category.id) ?? 0
    const at = ['categories', category.index]
    if (count > 0) classes++
    if (count === 0 && options.trainType !== 'classification')
      findings.add(
        'CATEGORY_WITHOUT_BOXES',
        'warning',
        `category "${category.name}" (id ${category.id}) has no boxes to train on (crowd regions do not count) and is left out of training`,
        { at },
      )
    // A category nobody uses is harmless (it is simply not a class), so that is only a warning.
    else if (count === 0)
      findings.add(
        'TOO_FEW_IMAGES',
        'warning',
        `category "${category.name}" (id ${category.id}) has no usable images and is left out of training`,
        { at },
      )
    else if (count < minimum)
      findings.add(
        'TOO_FEW_IMAGES',
        'error',
        `category "${category.name}" (id ${category.id}) has ${count} usable image${count === 1 ? '' : 's'}; at least ${minimum} are needed`,
        { at },
      )
  }
  const needed = options.trainType === 'classification' ? 2 : 1
  if (classes < needed)
    findings.add(
      'TOO_FEW_CLASSES',
      'error',
      `${classes} categor${classes === 1 ? 'y has' : 'ies have'} usable images; ${options.trainType} needs at least ${needed}`,
      { at: ['categories'] },
    )
}

function validate(text: string, options: ValidateOptions): ValidationResult {
  const parsed = parseAnnotationsJson(text)
  if (!parsed.ok)
    return {
      report: summarizeFindings(
        [{ code: 'INVALID_JSON', severity: 'error', message: parsed.message, ...parsed.position }],
        emptyStats(),
      ),
    }
  const findings = new FindingCollector()
  for (const position of parsed.trailingCommas)
    findings.add(
      'TRAILING_COMMA',
      'warning',
      `trailing comma at line ${position.line}, column ${position.column} (accepted, but not valid JSON)`,
      position,
    )
  const entries = checkCocoShape(parsed.value, findings)
  const { usable, unreadable } = usableImages(entries, options, findings)

  if (entries.imagesListed)
    for (const file of options.files.keys())
      if (!entries.namedFiles.has(file))
        findings.add(
          'FILE_NOT_IN_ANNOTATIONS',
          'warning',
          `images/${file} is not named by any entry in "images" and is not used`,
          { file },
        )

  const counts = new Map<number, number>()
  for (const image of usable) {
    // A detection image counts once for each category it has an object of.
    const ids =
      image.boxes === undefined
        ? [image.categoryId]
        : new Set(image.boxes.filter((box) => box.iscrowd === 0).map((box) => box.categoryId))
    for (const id of ids) if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  checkClasses(entries, counts, options, findings)

  const imagesPerClass: Record<string, number> = {}
  for (const category of entries.categories.values())
    if (category.name !== undefined)
      imagesPerClass[category.name] =
        (imagesPerClass[category.name] ?? 0) + (counts.get(category.id) ?? 0)
  const stats: DatasetStats = {
    ...entries.counts,
    imagesPerClass,
    ...(unreadable > 0 && { unreadableImages: unreadable }),
    ...(options.trainType !== 'classification' && {
      negativeImages: usable.filter((image) => image.boxes?.length === 0).length,
    }),
  }
  const report = summarizeFindings(findings.finish(parsed.locate), stats, findings.totals())
  if (!report.ok) return { report }

  const classes: ClassInfo[] = [...entries.categories.values()]
    .filter((category) => (counts.get(category.id) ?? 0) > 0)
    .sort((a, b) => a.id - b.id)
    .map((category, index) => ({ index, categoryId: category.id, name: category.name ?? '' }))
  const indexOf = new Map(classes.map((info) => [info.categoryId, info.index]))
  const items: ClassificationItem[] = usable
    .sort((a, b) => a.imageId - b.imageId)
    .map((image) => ({
      imageId: image.imageId,
      fileName: image.fileName,
      label: image.categoryId === undefined ? NO_LABEL : (indexOf.get(image.categoryId) ?? 0),
      ...(image.boxes !== undefined && { boxes: image.boxes }),
    }))
  return { report, dataset: { classes, items } }
}

export function validateAnnotations(text: string, options: ValidateOptions): ValidationResult {
  try {
    return validate(text, options)
  } catch (thrown) {
    // Unreachable by design; kept so a defect here fails one dataset instead of the server.
    const reason = thrown instanceof Error ? thrown.message : String(thrown)
    return {
      report: summarizeFindings(
        [
          {
            code: 'INVALID_JSON',
            severity: 'error',
            message: `annotations.json could not be validated: ${reason}`,
          },
        ],
        emptyStats(),
      ),
    }
  }
}
