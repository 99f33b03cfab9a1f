// What the UI and the API show of one client's synced dataset.

import type { AnnotationReport } from './annotation-report'
import type { SkippedImage } from './job-events'

/** One annotated box of an image, for drawing: in the image's own pixels, clipped to it. */
export interface DatasetImageBox {
  categoryId: number
  /** [x, y, w, h]. */
  bbox: [number, number, number, number]
  /** 1: a crowd region (drawn dashed; neither trained as an object nor counted in evaluation). */
  iscrowd?: 1
}

export interface DatasetImage {
  /** File name relative to the dataset's images/ folder. */
  file: string
  bytes: number
  width?: number
  height?: number
  /** Category name, when the image has exactly one annotation. */
  label?: string
  /** Set when the image's one annotation names a category id that annotations.json lacks. */
  unknownCategoryId?: number
  /** The image's valid boxes, in annotations.json order, when its annotations have any. */
  boxes?: DatasetImageBox[]
  /** Why training leaves the image out (validation or the training worker could not read it). */
  skipped?: { code: string; message: string }
}

export interface DatasetView {
  client: string
  /** False until the client's bucket has been mirrored locally once. */
  synced: boolean
  /** True when a finished sync found the bucket holding no images and no annotations. */
  empty?: boolean
  syncedAt?: string
  images: DatasetImage[]
  /** `count`: images labelled with the class, or, for images with boxes, showing it in a box. */
  classes: { name: string; categoryId: number; count: number }[]
  report?: AnnotationReport
  /** Images training leaves out (at most 100 listed); `skippedImageCount` counts them all. */
  skippedImages?: SkippedImage[]
  skippedImageCount?: number
}
