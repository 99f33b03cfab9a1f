// How the trained classifier does on the validation split, class by class: precision, recall,
// F1 and support, the confusion matrix, and the images it got wrong with the most confidence
// (the ones most worth a look: often mislabelled, or a class the model confuses systematically).

import type {
  ClassScores,
  ConfusionCounts,
  Misclassification,
} from '../../../../src-shared/job-events'

export const TOP_MISTAKES = 10

export interface ReportInput {
  /** Actual class index per image. */
  labels: ArrayLike<number>
  /** Row-major [images × classes] probabilities. */
  probabilities: Float32Array
  classNames: readonly string[]
  /** File name per image, in the same order as labels. */
  fileNames: readonly string[]
  topMistakes?: number
}

export interface ClassificationReport {
  perClass: ClassScores[]
  confusionMatrix: ConfusionCounts
  topMistakes: Misclassification[]
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole
}

/** The predicted class (highest probability, first on ties) and its probability. */
function predictionOf(probabilities: Float32Array, row: number, numClasses: number) {
  let predicted = 0
  let confidence = -Infinity
  for (let c = 0; c < numClasses; c++) {
    const p = probabilities[row * numClasses + c] as number
    if (p > confidence) {
      confidence = p
      predicted = c
    }
  }
  return { predicted, confidence }
}

export function classificationReport(input: ReportInput): ClassificationReport {
  const { labels, probabilities, classNames, fileNames } = input
  const numClasses = classNames.length
  const count = labels.length
  const counts = classNames.map(() => new Array<number>(numClasses).fill(0))
  const mistakes: (Misclassification & { row: number })[] = []
  for (let row = 0; row < count; row++) {
    const actual = labels[row] as number
    const { predicted, confidence } = predictionOf(probabilities, row, numClasses)
    const cells = counts[actual] as number[]
    cells[predicted] = (cells[predicted] as number) + 1
    if (predicted !== actual)
      mistakes.push({
        row,
        file: fileNames[row] ?? '',
        actual: classNames[actual] ?? String(actual),
        predicted: classNames[predicted] ?? String(predicted),
        confidence,
      })
  }
  const perClass = classNames.map((name, c) => {
    const truePositives = (counts[c] as number[])[c] as number
    const support = (counts[c] as number[]).reduce((sum, n) => sum + n, 0)
    const predictedAs = counts.reduce((sum, cells) => sum + (cells[c] as number), 0)
    const precision = ratio(truePositives, predictedAs)
    const recall = ratio(truePositives, support)
    const f1 = ratio(2 * precision * recall, precision + recall)
    return { name, precision, recall, f1, support }
  })
  const topMistakes = mistakes
    .sort((a, b) => b.confidence - a.confidence || a.row - b.row)
    .slice(0, input.topMistakes ?? TOP_MISTAKES)
    .map(({ file, actual, predicted, confidence }) => ({ file, actual, predicted, confidence }))
  return { perClass, confusionMatrix: { labels: [...classNames], counts }, topMistakes }
}
