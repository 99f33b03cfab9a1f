// The validation report of one dataset: what the UI shows as "annotation errors", what the
// endpoint puts in a failed job's result, and what decides whether training may start.

export type Severity = 'error' | 'warning'

/** Stable finding codes; documented in the README. */
export const FINDING_CODES = [
  'ANNOTATIONS_MISSING', // coco/annotations.json is not in the dataset
  'INVALID_JSON', // not parseable; message carries line and column
  'TRAILING_COMMA', // accepted (the seed's own sample has one), with a warning
  'MISSING_FIELD',
  'WRONG_TYPE',
  'DUPLICATE_ID',
  'UNKNOWN_IMAGE_ID',
  'UNKNOWN_CATEGORY_ID',
  'IMAGE_FILE_MISSING',
  'IMAGE_UNREADABLE',
  'IMAGE_SIZE_MISMATCH', // warning: width/height in the JSON differ from the file
  'IMAGE_WITHOUT_ANNOTATION', // warning: the image is skipped
  'FILE_NOT_IN_ANNOTATIONS', // warning: a file under images/ that no image entry names
  'MULTIPLE_LABELS', // error for classification: one image annotated with two categories
  'TOO_FEW_IMAGES', // a class with fewer images than training needs
  'TOO_FEW_CLASSES', // classification needs at least two classes with images
  'UNSAFE_FILE_NAME', // file_name escapes the images folder
  'ANNOTATIONS_TOO_LARGE', // coco/annotations.json is above the size limit; it is not read
  'BBOX_INVALID', // detection: bbox missing or not [x, y, w, h] of finite numbers with w, h > 0
  'BBOX_OUTSIDE_IMAGE', // detection: the box lies wholly outside its image
  'BBOX_CLIPPED', // warning: the box reaches outside its image and is clipped to it
  'BBOX_TINY', // warning: a side under 2 px or an area under 16 px²
  'BBOX_DUPLICATE', // warning: same image and category as another box, IoU above 0.95
  'AREA_MISSING', // warning, once: annotations without "area" get the box's w×h
  'SEGMENTATION_MISSING', // instance segmentation: an annotation without "segmentation"
  'SEGMENTATION_INVALID', // not a polygon list nor an RLE {size, counts} COCO can read
  'POLYGON_TOO_FEW_POINTS', // a polygon with fewer than 3 (x, y) points, or an odd count
  'POLYGON_OUTSIDE_IMAGE', // a polygon point more than 1 px outside its image
  'RLE_SIZE_MISMATCH', // an RLE whose size [h, w] is not its image's
  'MASK_EMPTY', // a mask that covers no pixel
  'CROWD_NOT_RLE', // warning: a crowd region drawn as polygons (COCO uses RLE)
  'MASK_BBOX_MISMATCH', // warning: bbox differs from the mask's box beyond 2 px or 10%
  'MASK_AREA_MISMATCH', // warning: area differs from the mask's pixels beyond 15%
  'CATEGORY_WITHOUT_BOXES', // warning: a detection category no box uses; left out of training
] as const
export type FindingCode = (typeof FINDING_CODES)[number]

export interface Finding {
  code: FindingCode
  severity: Severity
  message: string
  /** JSON path into annotations.json, e.g. `$.annotations[4].category_id`. */
  path?: string
  /** Image file name relative to `images/`. */
  file?: string
  /** 1-based position in annotations.json, where known. */
  line?: number
  column?: number
}

export interface DatasetStats {
  images: number
  annotations: number
  categories: number
  /** Images per category name, for images that will be trained on. */
  imagesPerClass: Record<string, number>
  /** Listed images whose files cannot be read as images (skipped or errors, see the findings). */
  unreadableImages?: number
  /** Detection: usable images without any box, trained on as negatives. */
  negativeImages?: number
}

export interface AnnotationReport {
  /** False when any finding is an error: the job then fails before training. */
  ok: boolean
  /** True counts, including findings left out of `findings`. */
  errors: number
  warnings: number
  findings: Finding[]
  stats: DatasetStats
  /** Set when `findings` lists only the first of `totalFindings` (the rest are summarized). */
  truncated?: true
  totalFindings?: number
}

/**
 * The report of a list of findings. `totals` are the true counts when the list was capped; the
 * list then ends with one summary finding per code that overflowed, which counts for nothing.
 */
export function summarizeFindings(
  findings: Finding[],
  stats: DatasetStats,
  totals?: { errors: number; warnings: number; listed: number },
): AnnotationReport {
  const listedErrors = findings.filter((f) => f.severity === 'error').length
  const errors = totals?.errors ?? listedErrors
  const warnings = totals?.warnings ?? findings.length - listedErrors
  const report: AnnotationReport = { ok: errors === 0, errors, warnings, findings, stats }
  const total = errors + warnings
  if (totals !== undefined && total > totals.listed) {
    report.truncated = true
    report.totalFindings = total
  }
  return report
}
