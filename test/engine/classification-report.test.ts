import { describe, expect, it } from 'vitest'
import { classificationReport } from '../../src-main/engine/tasks/classification/evaluate'

// Six validation images of three classes plus a class with no images at all; worked by hand:
//   actual  cat  cat  dog  dog  bird bird
//   pred.   cat  dog  dog  cat  bird dog
const CLASSES = ['cat', 'dog', 'bird', 'fish']
const PROBABILITIES = [
  [0.7, 0.2, 0.1, 0],
  [0.1, 0.8, 0.1, 0],
  [0.2, 0.6, 0.2, 0],
  [0.5, 0.4, 0.1, 0],
  [0.1, 0.1, 0.8, 0],
  [0.05, 0.9, 0.05, 0],
]
const input = {
  labels: Int32Array.from([0, 0, 1, 1, 2, 2]),
  probabilities: Float32Array.from(PROBABILITIES.flat()),
  classNames: CLASSES,
  fileNames: ['a.png', 'b.png', 'c.png', 'd.png', 'e.png', 'f.png'],
}

describe('classificationReport', () => {
  it('counts the confusion matrix with rows as the actual class', () => {
    expect(classificationReport(input).confusionMatrix).toEqual({
      labels: CLASSES,
      counts: [
        [1, 1, 0, 0],
        [1, 1, 0, 0],
        [0, 1, 1, 0],
        [0, 0, 0, 0],
      ],
    })
  })

  it('scores each class: precision over predictions, recall over support', () => {
    const scores = classificationReport(input).perClass
    const expected = [
      // cat: 1 right of 2 predicted, 1 of 2 found
      { name: 'cat', precision: 0.5, recall: 0.5, f1: 0.5, support: 2 },
      // dog: 1 right of 3 predicted, 1 of 2 found; F1 = 2·(1/3·1/2)/(1/3+1/2) = 0.4
      { name: 'dog', precision: 1 / 3, recall: 0.5, f1: 0.4, support: 2 },
      // bird: its one prediction is right, 1 of 2 found; F1 = 2·0.5/1.5
      { name: 'bird', precision: 1, recall: 0.5, f1: 2 / 3, support: 2 },
      // fish: never present, never predicted: zeros, not NaN
      { name: 'fish', precision: 0, recall: 0, f1: 0, support: 0 },
    ]
    expect(scores).toHaveLength(4)
    scores.forEach((score, c) => {
      const want = expected[c] as (typeof expected)[number]
      expect(score.name).toBe(want.name)
      expect(score.support).toBe(want.support)
      expect(score.precision).toBeCloseTo(want.precision, 10)
      expect(score.recall).toBeCloseTo(want.recall, 10)
      expect(score.f1).toBeCloseTo(want.f1, 10)
    })
  })

  it('lists the mistakes most confident first, with files and class names', () => {
    const mistakes = classificationReport(input).topMistakes
    expect(mistakes.map(({ file, actual, predicted }) => [file, actual, predicted])).toEqual([
      ['f.png', 'bird', 'dog'],
      ['b.png', 'cat', 'dog'],
      ['d.png', 'dog', 'cat'],
    ])
    expect(mistakes.map((m) => m.confidence)).toEqual([
      expect.closeTo(0.9, 6),
      expect.closeTo(0.8, 6),
      expect.closeTo(0.5, 6),
    ])
    expect(classificationReport({ ...input, topMistakes: 2 }).topMistakes).toHaveLength(2)
  })

  it('has no mistakes to show when every image is right', () => {
    const report = classificationReport({
      ...input,
      labels: Int32Array.from([0, 1, 1, 0, 2, 1]),
    })
    expect(report.topMistakes).toEqual([])
    expect(report.perClass.slice(0, 3).map((s) => s.f1)).toEqual([1, 1, 1])
  })
})
