// What trying a stored model answers: the model it used and its top predictions for one image,
// and the limits the endpoint and the UI agree on for the image sent.

import type { TrainType } from './train-params'

export interface Prediction {
  /** The COCO category id, as in the dataset's annotations. */
  category_id: number
  category: string
  /** The model's probability for this class, 0–1. */
  score: number
}

/** A detection model's answer for one object, in COCO's results shape. */
export interface DetectionPrediction extends Prediction {
  /** [x, y, w, h] in the posted image's own pixels. */
  bbox: [number, number, number, number]
}

/** A segmentation model's answer for one object: its box and its mask, in COCO's results shape. */
export interface SegmentationPrediction extends DetectionPrediction {
  /** The mask in the posted image's own pixels, as COCO's compressed RLE. */
  segmentation: { size: [number, number]; counts: string }
}

/** Whether an answer places its object (a detector's or a segmenter's). */
export function hasBox(prediction: Prediction): prediction is DetectionPrediction {
  return Array.isArray((prediction as Partial<DetectionPrediction>).bbox)
}

/** Whether an answer carries its object's mask (a segmenter's). */
export function hasMask(prediction: Prediction): prediction is SegmentationPrediction {
  const segmentation = (prediction as Partial<SegmentationPrediction>).segmentation
  return hasBox(prediction) && typeof segmentation?.counts === 'string'
}

/** Which stored model answered: its bucket, the ETag of its model.json, and the run if known. */
export interface PredictionModel {
  bucket: string
  etag: string
  updatedAt?: string
  runId?: string
}

export interface PredictionResult {
  model: PredictionModel
  /**
   * The task of the model that answered; obj_detection: predictions are DetectionPrediction,
   * instance_segmentation: SegmentationPrediction.
   */
  task?: TrainType
  /** Highest score first. */
  predictions: Prediction[]
}

/** Largest image the predict route takes, in bytes. */
export const PREDICT_MAX_BYTES = 20 * 1024 * 1024
export const PREDICT_DEFAULT_TOP = 5
export const PREDICT_MAX_TOP = 100

/** Content types the predict route takes: the raster formats a training image may have. */
export const PREDICT_MEDIA_TYPES: readonly string[] = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/tiff',
  'image/avif',
  'image/heif',
]

/** The media type of a Content-Type header, lower case and without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

/** The path of the predict route for a client, with `top` when given. */
export function predictPath(client: string, top?: number): string {
  const path = `/api/clients/${encodeURIComponent(client)}/predict`
  return top === undefined ? path : `${path}?top=${Math.round(top)}`
}

/** The path that downloads one file of the client's model bucket. */
export function modelFilePath(client: string, key: string): string {
  const segments = key.split('/').map((segment) => encodeURIComponent(segment))
  return `/api/clients/${encodeURIComponent(client)}/models/${segments.join('/')}`
}
