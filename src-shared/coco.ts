// The COCO subset of the seed specification (classification, and boxes for detection): what
// annotations.json holds.

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
  /** [x, y, width, height] in pixels; required for obj_detection. */
  bbox?: number[]
  /** The object's area in pixels² (COCO's small/medium/large use it); w×h of the bbox when absent. */
  area?: number
  /** 1 marks a crowd region: ignored in training and evaluation. Absent means 0. */
  iscrowd?: 0 | 1
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
