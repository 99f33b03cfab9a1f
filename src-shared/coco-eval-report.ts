// What COCO evaluation reports, as plain JSON: the 12 summary stats, per-class AP and
// precision–recall curves, and per-image error counts, shared by the engine, server and UI.

/** The 12 numbers COCOeval's summary prints, in its order; -1 where nothing was measurable. */
export interface CocoSummaryStats {
  /** AP at IoU .50:.05:.95, all areas, 100 detections per image. */
  ap: number
  ap50: number
  ap75: number
  apSmall: number
  apMedium: number
  apLarge: number
  /** AR at IoU .50:.05:.95, all areas, with 1 / 10 / 100 detections per image. */
  ar1: number
  ar10: number
  ar100: number
  arSmall: number
  arMedium: number
  arLarge: number
}

/** One category's AP (all areas, 100 detections); null when it has no ground truth. */
export interface CocoClassAp {
  categoryId: number
  ap: number | null
  ap50: number | null
}

/** One category's 101-point interpolated precision at IoU .5, all areas, 100 detections. */
export interface CocoPrecisionRecallCurve {
  categoryId: number
  /** The recall points 0, .01, …, 1. */
  recall: number[]
  /** Precision at each recall point; 0 where that recall was never reached. */
  precision: number[]
}

/** At IoU .5 (all areas, 100 detections): ground truths nothing matched, detections that
 *  matched nothing, summed over the image's categories. Ignored ones are not counted. */
export interface CocoImageErrors {
  imageId: number
  missed: number
  falseDetections: number
}

export interface CocoEvalReport {
  stats: CocoSummaryStats
  perClass: CocoClassAp[]
  curves: CocoPrecisionRecallCurve[]
  /** Images with at least one miss or false detection, most errors first. */
  imageErrors: CocoImageErrors[]
}
