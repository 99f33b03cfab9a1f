// Splits a labelled set into training and validation parts class by class, so small classes are
// represented in validation too and the split is the same for the same seed.

import { seededRandom, shuffleInPlace } from '../../../src-shared/seeded-random'

/**
 * Indices for training and validation. Each class gives round(count × valSplit) images to
 * validation, at least one when it has two or more images and never all of them. Both lists are
 * in ascending index order.
 */
export function splitStratified(
  labels: ArrayLike<number>,
  valSplit: number,
  seed: number,
): { train: number[]; val: number[] } {
  const byClass = new Map<number, number[]>()
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number
    const members = byClass.get(label)
    if (members === undefined) byClass.set(label, [i])
    else members.push(i)
  }
  const random = seededRandom(seed)
  const train: number[] = []
  const val: number[] = []
  // Classes in label order, so the random draws do not depend on the order images arrive in.
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = shuffleInPlace(byClass.get(label) ?? [], random)
    const wanted = Math.round(members.length * valSplit)
    const take = members.length < 2 ? 0 : Math.min(members.length - 1, Math.max(1, wanted))
    val.push(...members.slice(0, take))
    train.push(...members.slice(take))
  }
  return { train: train.sort((a, b) => a - b), val: val.sort((a, b) => a - b) }
}
