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
