import { describe, expect, it } from 'vitest'
import { splitStratified } from '../../src-main/engine/tasks/classification/train-classifier'

/** 3 classes of 10, 5 and 2 images, interleaved the way a dataset might list them. */
const grouped = [...Array(10).fill(0), ...Array(5).fill(1), ...Array(2).fill(2)] as number[]
const interleaved = Int32Array.from(grouped, (_, i) => grouped[(i * 7) % grouped.length] as number)

function countByClass(indices: number[], source: Int32Array): Map<number, number> {
  const counts = new Map<number, number>()
  for (const i of indices)
    counts.set(source[i] as number, (counts.get(source[i] as number) ?? 0) + 1)
  return counts
}

describe('splitStratified', () => {
  it('is the same for the same seed and changes with the seed', () => {
    const a = splitStratified(interleaved, 0.2, 42)
    expect(splitStratified(interleaved, 0.2, 42)).toEqual(a)
    const others = [1, 2, 3, 4].map((seed) => splitStratified(interleaved, 0.2, seed).val)
    expect(others.some((val) => JSON.stringify(val) !== JSON.stringify(a.val))).toBe(true)
  })

  it('covers every image exactly once, in ascending order', () => {
    const { train, val } = splitStratified(interleaved, 0.3, 9)
    expect([...train, ...val].sort((x, y) => x - y)).toEqual(
      Array.from({ length: interleaved.length }, (_, i) => i),
    )
    expect(train).toEqual([...train].sort((x, y) => x - y))
    expect(val).toEqual([...val].sort((x, y) => x - y))
  })

  it('takes each class in proportion, and at least one image of every class with two or more', () => {
    const { train, val } = splitStratified(interleaved, 0.2, 1)
    const inVal = countByClass(val, interleaved)
    const inTrain = countByClass(train, interleaved)
    expect(inVal.get(0)).toBe(2) // 10 × 0.2
    expect(inVal.get(1)).toBe(1) // 5 × 0.2
    expect(inVal.get(2)).toBe(1) // 2 × 0.2 rounds to 0, but a class with two images still gets one
    expect(inTrain.get(2)).toBe(1) // and never loses all of them to validation
  })

  it('keeps a class with a single image in training', () => {
    const { train, val } = splitStratified([0, 0, 0, 1, 0, 0], 0.5, 3)
    expect(train).toContain(3)
    expect(val).not.toContain(3)
    expect(val.length).toBe(3)
  })

  it('never moves a whole class into validation, whatever the fraction', () => {
    const { train } = splitStratified([0, 0, 1, 1, 1], 0.99, 5)
    expect(countByClass(train, Int32Array.from([0, 0, 1, 1, 1]))).toEqual(
      new Map([
        [0, 1],
        [1, 1],
      ]),
    )
  })
})
