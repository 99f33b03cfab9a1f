// @vitest-environment jsdom
// The screens as a user meets them: what is shown for a given state, and what the controls do.

import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { AnnotationReport } from '../../src-shared/annotation-report'
import type { JobResult, TrainingMetrics } from '../../src-shared/job-events'
import { foldJobEvents } from '../../src-renderer/jobs/job-view'
import { DatasetScreen } from '../../src-renderer/screens/dataset-screen'
import { ErrorsScreen } from '../../src-renderer/screens/errors-screen'
import { ResultsScreen } from '../../src-renderer/screens/results-screen'
import { TrainingScreen } from '../../src-renderer/screens/training-screen'
import { READY } from '../../src-renderer/store/store-types'
import { dataset, events, summary } from './fake-api'
import { renderWithStore } from './render-app'

afterEach(cleanup)

const report: AnnotationReport = {
  ok: false,
  errors: 1,
  warnings: 1,
  findings: [
    {
      code: 'IMAGE_FILE_MISSING',
      severity: 'error',
      message: 'images/gone.jpg is named but missing',
      path: '$.images[3].file_name',
      file: 'gone.jpg',
      line: 12,
      column: 7,
    },
    {
      code: 'TRAILING_COMMA',
      severity: 'warning',
      message: 'trailing comma accepted',
      path: '$.annotations',
    },
  ],
  stats: { images: 3, annotations: 3, categories: 2, imagesPerClass: {} },
}

describe('annotation errors screen', () => {
  it('lists each finding with severity, code, JSON path and a link that opens its image', () => {
    const view = { ...dataset('client1', [['a.jpg', 'cat']]), report }
    const { store } = renderWithStore(<ErrorsScreen />, {
      selectedClient: 'client1',
      dataset: view,
      datasetLoad: READY,
    })
    const rows = screen.getAllByRole('row').slice(1)
    expect(rows).toHaveLength(2)
    const first = within(rows[0] as HTMLElement)
    expect(first.getByText('Error')).toBeTruthy()
    expect(first.getByText('IMAGE_FILE_MISSING')).toBeTruthy()
    expect(first.getByText('$.images[3].file_name')).toBeTruthy()
    expect(first.getByText('line 12, column 7')).toBeTruthy()
    expect(within(rows[1] as HTMLElement).getByText('Warning')).toBeTruthy()
    expect(screen.getByText(/Training is blocked by 1 error/)).toBeTruthy()

    fireEvent.click(first.getByRole('button', { name: 'Open image gone.jpg' }))
    expect(store.getState().screen).toBe('dataset')
    expect(store.getState().selectedImage).toBe('gone.jpg')
  })

  it('says so clearly when there are no findings', () => {
    const view = {
      ...dataset('client1', [['a.jpg', 'cat']]),
      report: { ...report, ok: true, errors: 0, warnings: 0, findings: [] },
    }
    renderWithStore(<ErrorsScreen />, {
      selectedClient: 'client1',
      dataset: view,
      datasetLoad: READY,
    })
    expect(screen.getByText('No annotation problems')).toBeTruthy()
    expect(screen.queryByRole('table')).toBeNull()
  })
})

describe('dataset screen', () => {
  // jsdom lays nothing out; the virtualised grid needs a viewport size to render rows into.
  const sizes = ['clientWidth', 'clientHeight'] as const
  beforeAll(() => {
    for (const size of sizes)
      Object.defineProperty(HTMLElement.prototype, size, {
        configurable: true,
        get: () => (size === 'clientWidth' ? 800 : 600),
      })
  })
  afterAll(() => {
    for (const size of sizes) Reflect.deleteProperty(HTMLElement.prototype, size)
  })

  const files: [string, string][] = [
    ['c1.jpg', 'cat'],
    ['d1.jpg', 'dog'],
    ['c2.jpg', 'cat'],
    ['d2.jpg', 'dog'],
    ['d3.jpg', 'dog'],
  ]

  it('shows thumbnails, filters them by class, and moves the selection with the keyboard', async () => {
    const { store } = renderWithStore(<DatasetScreen />, {
      selectedClient: 'client0',
      dataset: dataset('client0', files),
      datasetLoad: READY,
    })
    const grid = screen.getByRole('listbox', { name: 'Dataset images' })
    expect(within(grid).getAllByRole('option')).toHaveLength(5)
    // A row loads its thumbnails once it has stayed in view for a moment.
    await waitFor(() =>
      expect(grid.querySelector('img')?.getAttribute('src')).toBe(
        'thumb://client0/c1.jpg?size=160',
      ),
    )

    fireEvent.click(screen.getByRole('button', { name: /^dog/ }))
    const dogs = screen.getByRole('listbox', { name: 'Images labelled dog' })
    expect(
      within(dogs)
        .getAllByRole('option')
        .map((o) => o.getAttribute('aria-label')),
    ).toEqual(['d1.jpg, dog', 'd2.jpg, dog', 'd3.jpg, dog'])

    fireEvent.click(within(dogs).getAllByRole('option')[0] as HTMLElement)
    fireEvent.keyDown(dogs, { key: 'ArrowRight' })
    expect(store.getState().selectedImage).toBe('d2.jpg')
    fireEvent.keyDown(dogs, { key: 'End' })
    expect(store.getState().selectedImage).toBe('d3.jpg')
    const details = screen.getByRole('complementary', { name: 'Image details' })
    expect(within(details).getByText('d3.jpg')).toBeTruthy()
    expect(within(details).getByText('48 × 48')).toBeTruthy()
  })
})

describe('training screen', () => {
  it('refuses to start with a parameter out of range and says which', () => {
    renderWithStore(<TrainingScreen />, { selectedClient: 'client0' })
    const epochs = screen.getByLabelText('Epochs')
    fireEvent.change(epochs, { target: { value: '0' } })
    expect(epochs.getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByText('Between 1 and 500')).toBeTruthy()
    expect(
      (screen.getByRole('button', { name: 'Start training' }) as HTMLButtonElement).disabled,
    ).toBe(true)
  })

  it('starts training with augmentation switched off and the architecture picked', async () => {
    const { api } = renderWithStore(<TrainingScreen />, { selectedClient: 'client0' })
    const augment = screen.getByRole('checkbox', { name: 'Augment training images' })
    expect((augment as HTMLInputElement).checked).toBe(true)
    fireEvent.click(augment)
    fireEvent.change(screen.getByLabelText('Architecture'), { target: { value: 'reference' } })
    fireEvent.click(screen.getByRole('button', { name: 'Start training' }))
    await act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)))
    expect(api.started[0]?.params).toMatchObject({ augment: false, architecture: 'reference' })
  })

  it('says what a queued job waits for', () => {
    events.reset()
    const view = foldJobEvents('client1-9', [
      events.stage('queued'),
      events.queued("waiting for client0's job client0-1 to finish"),
    ])
    renderWithStore(<TrainingScreen />, {
      selectedClient: 'client1',
      live: { client: 'client1', view },
    })
    const waiting = screen.getByText("Queued: waiting for client0's job client0-1 to finish")
    expect(waiting.getAttribute('role')).toBe('status')
    expect(
      screen.getByRole('progressbar', { name: 'Sync' }).getAttribute('aria-valuetext'),
    ).toContain('queued')
  })

  it('shows sync progress: files done of total, bytes, and a bar', () => {
    events.reset()
    const view = foldJobEvents('client0-9', [
      events.stage('syncing'),
      events.progress('syncing', 30, 301, undefined, { bytesDone: 30_000, bytesTotal: 301_000 }),
      events.progress('syncing', 120, 301, undefined, { bytesDone: 120_000, bytesTotal: 301_000 }),
    ])
    renderWithStore(<TrainingScreen />, {
      selectedClient: 'client0',
      live: { client: 'client0', view },
    })
    const bar = screen.getByRole('progressbar', { name: 'Sync' })
    expect(bar.getAttribute('aria-valuenow')).toBe('40')
    expect(bar.getAttribute('aria-valuetext')).toMatch(/^40%, 120 \/ 301 files · .+ \/ .+/)
    expect(screen.getByText(/120 \/ 301 files/)).toBeTruthy()
  })

  it('draws the live job: stage, progress, and a point per epoch on each curve', () => {
    events.reset()
    const view = foldJobEvents('client0-9', [
      events.stage('training'),
      events.progress('training', 3, 10, 3),
      events.epoch(1, 5, 1.1),
      events.epoch(2, 5, 0.7),
    ])
    const { store } = renderWithStore(<TrainingScreen />, {
      selectedClient: 'client0',
      live: { client: 'client0', view },
    })
    const loss = screen
      .getByText('Loss', { selector: 'figcaption' })
      .closest('figure') as HTMLElement
    expect(loss.getAttribute('data-points')).toBe('4')
    expect(screen.getByRole('progressbar', { name: 'Epochs' }).getAttribute('aria-valuenow')).toBe(
      '40',
    )
    expect(
      screen.getByRole('progressbar', { name: 'Batches' }).getAttribute('aria-valuetext'),
    ).toContain('3 / 10 batches')
    expect(
      (screen.getByRole('button', { name: 'Start training' }) as HTMLButtonElement).disabled,
    ).toBe(true)
    expect((screen.getByRole('button', { name: 'Stop' }) as HTMLButtonElement).disabled).toBe(false)

    act(() =>
      store.setState({
        live: {
          client: 'client0',
          view: { ...view, epochs: [...view.epochs, { ...view.epochs[1]!, epoch: 3 }] },
        },
      }),
    )
    expect(loss.getAttribute('data-points')).toBe('6')
  })
})

describe('results screen', () => {
  const metrics: TrainingMetrics = {
    backend: 'wasm',
    epochs: [],
    finalValAccuracy: 0.875,
    finalValLoss: 0.31,
    trainImages: 32,
    valImages: 8,
    classes: ['cat', 'dog'],
  }
  const resultWith = (extra: object): JobResult => ({
    jobId: 'client0-1',
    client: 'client0',
    state: 'done',
    Training: 'Succesfull',
    Storing: 'Succesfull',
    timings: { training: 4000, uploading: 500 },
    metrics: { ...metrics, ...extra } as TrainingMetrics,
  })
  const opened = (result: JobResult) => ({
    summary: { ...summary('client0-1', 'client0', 'done', '2024-05-01T09:00:00.000Z'), result },
    view: { ...foldJobEvents('client0-1', []), state: 'done' as const, result },
  })

  it('shows the metrics, the model files, and a confusion matrix and per-class scores when present', () => {
    const result = resultWith({
      confusionMatrix: {
        labels: ['cat', 'dog'],
        counts: [
          [3, 1],
          [0, 4],
        ],
      },
      perClass: [
        { name: 'cat', precision: 1, recall: 0.75, f1: 0.857, support: 4 },
        { name: 'dog', precision: 0.8, recall: 1, f1: 0.889, support: 4 },
      ],
    })
    renderWithStore(<ResultsScreen />, {
      selectedClient: 'client0',
      openedRun: opened(result),
      openedRunLoad: READY,
      modelFiles: [{ key: 'model.h5', bytes: 2 * 1024 * 1024 }],
      modelFilesLoad: READY,
    })
    expect(screen.getByText('87.5%')).toBeTruthy()
    expect(screen.getByText('model.h5')).toBeTruthy()
    expect(screen.getByText('2.0 MB')).toBeTruthy()
    const matrix = screen.getByRole('table', { name: /Confusion matrix/ })
    expect(
      within(matrix)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual([expect.stringContaining('actual'), '3', '1', '0', '4'])
    const scores = screen.getByRole('table', { name: /Per-class scores/ })
    expect(within(scores).getByText('75.0%')).toBeTruthy()
  })

  it('hides the confusion matrix and per-class scores when the metrics lack them', () => {
    renderWithStore(<ResultsScreen />, {
      selectedClient: 'client0',
      openedRun: opened(resultWith({ confusionMatrix: [[1, 2]] })),
      openedRunLoad: READY,
      modelFilesLoad: READY,
    })
    expect(screen.getByText('87.5%')).toBeTruthy()
    expect(screen.queryByRole('table', { name: /Confusion matrix/ })).toBeNull()
    expect(screen.queryByRole('table', { name: /Per-class scores/ })).toBeNull()
    expect(screen.getByText('The model bucket holds no files yet.')).toBeTruthy()
  })
})
