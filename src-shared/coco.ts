// The COCO subset of the seed specification (classification): what annotations.json holds.

export interface CocoCategory {
  id: number
  name: string
  supercategory?: string
}

export interface CocoImage {
  id: number
  file_name: string
  width: number
  height: number
  licence?: number
  license?: number
}

export interface CocoAnnotation {
  id: number
  image_id: number
  category_id: number
  bbox?: number[]
  segmentation?: unknown
}

export interface CocoDocument {
  info: Record<string, unknown>
  licences?: unknown[]
  licenses?: unknown[]
  categories: CocoCategory[]
  images: CocoImage[]
  annotations: CocoAnnotation[]
}

/** A ground-truth object as COCO evaluation reads it: `area` is the annotation's own (for
 *  masks it is not the box's), and `iscrowd` 1 marks a crowd region. */
export interface CocoEvalGroundTruth {
  id: number
  image_id: number
  category_id: number
  bbox: [number, number, number, number]
  area: number
  iscrowd: number
}

/** One detection in the COCO results format: `bbox` is `[x, y, w, h]` in image pixels. */
export interface CocoDetectionResult {
  image_id: number
  category_id: number
  bbox: [number, number, number, number]
  score: number
}
