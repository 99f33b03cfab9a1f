// Loss weights that let small classes count as much as large ones: each class gets
// images / (classes × its images), Keras' "balanced" rule, computed from the training split only.

/** No class counts more than this many times an average image, so a handful of images cannot dominate. */
export const MAX_CLASS_WEIGHT = 10

/**
 * Balanced weights per class index, or undefined when the classes are equally large (the
 * weights would all be 1). Classes without training images get weight 1: they never occur.
 */
export function balancedClassWeights(
  labels: ArrayLike<number>,
  count: number,
  numClasses: number,
): number[] | undefined {
  const counts = new Array<number>(numClasses).fill(0)
  for (let i = 0; i < count; i++) {
    const label = labels[i] as number
    counts[label] = (counts[label] as number) + 1
  }
  const present = counts.filter((n) => n > 0)
  if (present.length === 0 || present.every((n) => n === present[0])) return undefined
  return counts.map((n) => (n === 0 ? 1 : Math.min(MAX_CLASS_WEIGHT, count / (present.length * n))))
}
