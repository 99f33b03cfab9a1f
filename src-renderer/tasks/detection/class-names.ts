// An object run's category ids → names. The reviewed boxes name their categories; the run's
// `classes` are in category-id order, the order COCO's per-class results come in.

import type { ObjectRunMetrics } from './detection-metrics-of'

/** The COCOeval report a run's classes are listed by: a segmenter's on masks. */
export function mainReportOf(metrics: ObjectRunMetrics) {
  return metrics.task === 'instance_segmentation' ? metrics.maskCoco : metrics.coco
}

export function classNamesOf(metrics: ObjectRunMetrics): (categoryId: number) => string {
  const names = new Map<number, string>()
  const perClass = mainReportOf(metrics).perClass
  const ids = [...new Set(perClass.map((c) => c.categoryId))].sort((a, b) => a - b)
  ids.forEach((id, index) => {
    const name = metrics.classes[index]
    if (name !== undefined) names.set(id, name)
  })
  for (const image of metrics.worstImages)
    for (const box of [...image.predicted, ...image.groundTruth])
      names.set(box.categoryId, box.category)
  return (categoryId) => names.get(categoryId) ?? `category ${categoryId}`
}
