// Which task a dataset's annotations are shaped for, told from the annotations alone, so a job
// asked to train the other kind fails with one clear finding instead of a page of rule breaks.
// Detection-shaped: every annotation has a box and most annotated images have several (a
// classification set exported with boxes has one per image). Segmentation-shaped: the same, and
// every annotation has a mask too. Classification-shaped: no annotation has a box, so there is
// nothing to detect. Anything between is left to the rules.

import type { CocoEntries } from '../check-coco-shape'
import type { TrainType } from '../train-params'

/** Share of annotated images with more than one box above which a boxed set is a detection set. */
const SEVERAL_BOXES_SHARE = 0.5

/** Whether an annotation carries a mask: polygons or RLE, not an empty list. */
function hasMask(segmentation: unknown): boolean {
  if (segmentation === undefined || segmentation === null) return false
  return !Array.isArray(segmentation) || segmentation.length > 0
}

export function datasetTaskShape(entries: CocoEntries): TrainType | undefined {
  const annotations = entries.annotations
  if (annotations.length === 0) return undefined
  const boxed = annotations.filter((annotation) => annotation.box.bbox !== undefined).length
  if (boxed === 0) return 'classification'
  if (boxed < annotations.length) return undefined
  const perImage = new Map<number, number>()
  for (const annotation of annotations)
    perImage.set(annotation.imageId, (perImage.get(annotation.imageId) ?? 0) + 1)
  let several = 0
  for (const count of perImage.values()) if (count > 1) several++
  if (several / perImage.size <= SEVERAL_BOXES_SHARE) return undefined
  const masked = annotations.every((annotation) => hasMask(annotation.box.segmentation))
  return masked ? 'instance_segmentation' : 'obj_detection'
}

/**
 * The task the dataset is shaped for when that rules out the one requested: boxes with several
 * objects per image cannot train a classifier, a set without boxes cannot train any task that
 * finds objects, and one without a single mask cannot train masks. Undefined when nothing rules
 * it out (a segmentation set trains a detector: its boxes are there).
 */
export function mismatchedShape(entries: CocoEntries, requested: TrainType): TrainType | undefined {
  const shape = datasetTaskShape(entries)
  if (
    requested === 'classification' &&
    (shape === 'obj_detection' || shape === 'instance_segmentation')
  )
    return shape
  if (requested !== 'classification' && shape === 'classification') return shape
  if (
    requested === 'instance_segmentation' &&
    entries.annotations.length > 0 &&
    !entries.annotations.some((annotation) => hasMask(annotation.box.segmentation))
  )
    return shape ?? 'obj_detection'
  return undefined
}

/** The message for a dataset asked to train as `requested` though it is shaped for `shape`. */
export function taskMismatchMessage(requested: TrainType, shape: TrainType): string {
  if (shape === 'instance_segmentation')
    return `the annotations are an instance segmentation dataset (every annotation has a bbox and a segmentation, and most images have several); train it with train_type=instance_segmentation, not ${requested}`
  if (shape === 'obj_detection')
    return requested === 'instance_segmentation'
      ? `no annotation has a segmentation, so there are no masks to learn: the annotations are an object detection dataset; train it with train_type=obj_detection, not ${requested}`
      : `the annotations are an object detection dataset (every annotation has a bbox and most images have several); train it with train_type=obj_detection, not ${requested}`
  return `no annotation has a bbox, so there is nothing to detect: the annotations are a classification dataset; train it with train_type=classification, not ${requested}`
}
