// @vitest-environment jsdom
// The evaluation on the results screen, from metrics shaped as the engine writes them: the
// confusion matrix, per-class scores, misclassified images with their thumbnails, and the epoch
// the model keeps. Runs recorded before the engine added these still show without them.

import { cleanup, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobResult, TrainingMetrics } from '../../src-shared/job-events'
import { foldJobEvents } from '../../src-renderer/jobs/job-view'
import {
  confusionMatrixOf,
  keptEpochOf,
  misclassificationsOf,
  perClassScores,
} from '../../src-renderer/jobs/metrics-extras'
import { ResultsScreen } from '../../src-renderer/screens/results-screen'
import { READY } from '../../src-renderer/store/store-types'
import { summary } from './fake-api'
import { renderWithStore } from './render-app'

afterEach(cleanup)

const epoch = (n: number, valLoss: number) => ({
  epoch: n,
  epochs: 10,
  loss: 1 / n,
  accuracy: 0.5 + n / 40,
  valLoss,
  valAccuracy: 0.6 + n / 50,
  imagesPerSec: 210,
  elapsedMs: n * 1500,
})

// 30 validation images of three classes; 25 right, 5 wrong.
const evaluated: TrainingMetrics = {
  backend: 'tensorflow',
  epochs: [epoch(1, 0.9), epoch(2, 0.62), epoch(3, 0.48), epoch(4, 0.51), epoch(5, 0.55)],
  finalValAccuracy: 25 / 30,
  finalValLoss: 0.48,
  trainImages: 120,
  valImages: 30,
  classes: ['circle', 'square', 'triangle'],
  perClass: [
    { name: 'circle', precision: 9 / 10, recall: 9 / 10, f1: 0.9, support: 10 },
    { name: 'square', precision: 8 / 11, recall: 8 / 10, f1: 0.7619, support: 10 },
    { name: 'triangle', precision: 8 / 9, recall: 8 / 10, f1: 0.8421, support: 10 },
  ],
  confusionMatrix: {
    labels: ['circle', 'square', 'triangle'],
    counts: [
      [9, 1, 0],
      [1, 8, 1],
      [0, 2, 8],
    ],
  },
  topMistakes: [
    { file: 'triangle/t-017.jpg', actual: 'triangle', predicted: 'square', confidence: 0.912 },
    { file: 'square/s-004.jpg', actual: 'square', predicted: 'circle', confidence: 0.774 },
    { file: 'circle/c-031.jpg', actual: 'circle', predicted: 'square', confidence: 0.55 },
    { file: 'triangle/t-002.jpg', actual: 'triangle', predicted: 'square', confidence: 0.51 },
    { file: 'square/s-020.jpg', actual: 'square', predicted: 'triangle', confidence: 0.42 },
  ],
  bestEpoch: 3,
  stoppedEarly: true,
}

function resultOf(metrics: TrainingMetrics): JobResult {
  return {
    jobId: 'client0-7',
    client: 'client0',
    state: 'done',
    Training: 'Succesfull',
    Storing: 'Succesfull',
    timings: { training: 7500 },
    metrics,
  }
}

function showRun(metrics: TrainingMetrics) {
  const result = resultOf(metrics)
  const run = { ...summary('client0-7', 'client0', 'done', '2024-05-02T09:00:00.000Z'), result }
  run.params = { ...run.params, epochs: 10 }
  return renderWithStore(<ResultsScreen />, {
    selectedClient: 'client0',
    openedRun: { summary: run, view: { ...foldJobEvents('client0-7', []), state: 'done', result } },
    openedRunLoad: READY,
    modelFilesLoad: READY,
  })
}

describe('results screen evaluation', () => {
  it('draws the confusion matrix with one row per actual class, shaded by its share', () => {
    showRun(evaluated)
    const matrix = screen.getByRole('table', { name: /Confusion matrix/ })
    const rows = within(matrix).getAllByRole('row').slice(1)
    expect(rows.map((row) => within(row).getByRole('rowheader').textContent)).toEqual([
      'circle',
      'square',
      'triangle',
    ])
    expect(
      within(matrix)
        .getAllByRole('columnheader')
        .map((h) => h.textContent),
    ).toEqual(['circle', 'square', 'triangle'])
    const triangleRow = within(rows[2] as HTMLElement).getAllByRole('cell')
    expect(triangleRow.map((c) => c.textContent)).toEqual(['0', '2', '8'])
    // Correct predictions and mistakes are told apart, and the shade follows the row's share.
    expect(triangleRow[2]?.className).toBe('matrix-hit')
    expect(triangleRow[2]?.style.getPropertyValue('--share')).toBe('0.800')
    expect(triangleRow[1]?.className).toBe('matrix-miss')
    expect(triangleRow[0]?.className).toBe('matrix-empty')
    expect(triangleRow[1]?.getAttribute('title')).toBe(
      'triangle predicted as square: 2 (20% of triangle)',
    )
  })

  it('lists precision, recall, F1 and the number of images of each class', () => {
    showRun(evaluated)
    const table = screen.getByRole('table', { name: /Per-class scores/ })
    const square = within(table).getByRole('row', { name: /^square/ })
    expect(
      within(square)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['72.7%', '80.0%', '76.2%', '10'])
    expect(within(table).getAllByRole('row')).toHaveLength(4)
  })

  it('shows each misclassified image with its thumbnail, actual and predicted class and confidence', () => {
    const { api } = showRun(evaluated)
    const list = screen.getByRole('list', { name: 'Misclassified validation images' })
    const items = within(list).getAllByRole('listitem')
    expect(items).toHaveLength(5)
    const first = items[0] as HTMLElement
    const image = within(first).getByRole('img')
    expect(image.getAttribute('alt')).toBe(
      'triangle/t-017.jpg: a triangle image predicted as square',
    )
    expect(image.getAttribute('src')).toBe(api.thumbnailUrl('client0', 'triangle/t-017.jpg', 160))
    expect(first.textContent).toContain('Actualtriangle')
    expect(first.textContent).toContain('Predictedsquare')
    expect(first.textContent).toContain('Confidence91.2%')
  })

  it('says which epoch the model keeps and that training stopped early', () => {
    showRun(evaluated)
    const best = screen.getByText('Best epoch').closest('.metric')
    expect(best?.querySelector('dd')?.textContent).toBe('3')
    expect(screen.getByText(/Training stopped early after 5 of 10 epochs/).textContent).toContain(
      'keeps the weights of epoch 3',
    )
  })

  it('does not claim an early stop when training ran all its epochs', () => {
    showRun({ ...evaluated, stoppedEarly: false, bestEpoch: 5 })
    expect(screen.getByText('Best epoch').closest('.metric')?.textContent).toContain('5')
    expect(screen.queryByText(/stopped early/)).toBeNull()
  })

  it('says so when the model got every validation image right', () => {
    showRun({ ...evaluated, topMistakes: [] })
    expect(screen.getByText('The model got every validation image right.')).toBeTruthy()
    expect(screen.queryByRole('list', { name: 'Misclassified validation images' })).toBeNull()
  })

  it('shows a run recorded before evaluation existed without any of it', () => {
    const {
      perClass: _p,
      confusionMatrix: _c,
      topMistakes: _t,
      bestEpoch: _b,
      stoppedEarly: _s,
      ...older
    } = evaluated
    showRun(older)
    expect(screen.getByText('83.3%')).toBeTruthy()
    expect(screen.queryByRole('table', { name: /Confusion matrix/ })).toBeNull()
    expect(screen.queryByRole('table', { name: /Per-class scores/ })).toBeNull()
    expect(screen.queryByText('Misclassified examples')).toBeNull()
    expect(screen.queryByText('Best epoch')).toBeNull()
  })
})

describe('reading the evaluation from metrics', () => {
  it('keeps well-formed parts and drops damaged ones', () => {
    const damaged = {
      ...evaluated,
      perClass: [evaluated.perClass?.[0], { name: 'square', precision: 'high' }],
      confusionMatrix: { labels: ['circle', 'square'], counts: [[1, 2, 3]] },
      topMistakes: [
        { file: 'a.jpg', actual: 'circle', predicted: 'square', confidence: 0.4 },
        { file: '', actual: 'circle', predicted: 'square', confidence: 0.9 },
        { file: 'b.jpg', actual: 'square', predicted: 'circle', confidence: 0.8 },
      ],
      bestEpoch: 0,
    } as unknown as TrainingMetrics
    expect(perClassScores(damaged)?.map((s) => s.name)).toEqual(['circle'])
    expect(confusionMatrixOf(damaged)).toBeUndefined()
    expect(misclassificationsOf(damaged)?.map((m) => m.file)).toEqual(['b.jpg', 'a.jpg'])
    expect(keptEpochOf(damaged)).toBeUndefined()
    expect(keptEpochOf(evaluated)).toEqual({ bestEpoch: 3, stoppedEarly: true })
  })
})
