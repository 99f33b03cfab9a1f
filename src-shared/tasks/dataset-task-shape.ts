// Which task a dataset's annotations are shaped for, told from the annotations alone, so a job
// asked to train the other kind fails with one clear finding instead of a page of rule breaks.
// Detection-shaped: every annotation has a box and most annotated images have several (a
// classification set exported with boxes has one per image). Classification-shaped: no
// annotation has a box, so there is nothing to detect. Anything between is left to the rules.

import type { CocoEntries } from '../check-coco-shape'
import type { TrainType } from '../train-params'

/** Share of annotated images with more than one box above which a boxed set is a detection set. */
const SEVERAL_BOXES_SHARE = 0.5

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
  return several / perImage.size > SEVERAL_BOXES_SHARE ? 'obj_detection' : undefined
}

/**
 * The task the dataset is shaped for when that rules out the one requested: boxes with several
 * objects per image cannot train a classifier, and a set without boxes cannot train any task that
 * finds objects. Undefined when nothing rules it out.
 */
export function mismatchedShape(entries: CocoEntries, requested: TrainType): TrainType | undefined {
  const shape = datasetTaskShape(entries)
  if (requested === 'classification' && shape === 'obj_detection') return shape
  if (requested !== 'classification' && shape === 'classification') return shape
  return undefined
}

/** The message for a dataset asked to train as `requested` though it is shaped for `shape`. */
export function taskMismatchMessage(requested: TrainType, shape: TrainType): string {
  return shape === 'obj_detection'
    ? `the annotations are an object detection dataset (every annotation has a bbox and most images have several); train it with train_type=obj_detection, not ${requested}`
    : `no annotation has a bbox, so there is nothing to detect: the annotations are a classification dataset; train it with train_type=classification, not ${requested}`
}
