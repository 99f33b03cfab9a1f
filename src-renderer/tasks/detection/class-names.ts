// A detection run's category ids → names. The reviewed boxes name their categories; the run's
// `classes` are in category-id order, the order COCO's per-class results come in.

import type { DetectionTrainingMetrics } from '../../../src-shared/tasks/detection-metrics'

export function classNamesOf(metrics: DetectionTrainingMetrics): (categoryId: number) => string {
  const names = new Map<number, string>()
  const ids = [...new Set(metrics.coco.perClass.map((c) => c.categoryId))].sort((a, b) => a - b)
  ids.forEach((id, index) => {
    const name = metrics.classes[index]
    if (name !== undefined) names.set(id, name)
  })
  for (const image of metrics.worstImages)
    for (const box of [...image.predicted, ...image.groundTruth])
      names.set(box.categoryId, box.category)
  return (categoryId) => names.get(categoryId) ?? `category ${categoryId}`
}
