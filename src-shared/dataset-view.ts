// What the UI and the API show of one client's synced dataset.

import type { AnnotationReport } from './annotation-report'

export interface DatasetImage {
  /** File name relative to the dataset's images/ folder. */
  file: string
  bytes: number
  width?: number
  height?: number
  /** Category name, when the image has exactly one annotation. */
  label?: string
}

export interface DatasetView {
  client: string
  /** False until the client's bucket has been mirrored locally once. */
  synced: boolean
  syncedAt?: string
  images: DatasetImage[]
  classes: { name: string; categoryId: number; count: number }[]
  report?: AnnotationReport
}
