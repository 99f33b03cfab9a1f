// @vitest-environment jsdom
// A detection run on the screens: its COCO results (summary with "—" for what COCO could not
// measure, per-class AP, PR curves, reviewed images with predicted against true boxes), its live
// curves (loss parts and mAP@.5, no accuracy), and boxes drawn over the dataset's thumbnails in
// class colours. Classification runs keep their own screens.

import { cleanup, screen, within } from '@testing-library/react'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { JobEvent, JobSummary } from '../../src-shared/job-events'
import { foldJobEvents } from '../../src-renderer/jobs/job-view'
import { DatasetScreen } from '../../src-renderer/screens/dataset-screen'
import { ResultsScreen } from '../../src-renderer/screens/results-screen'
import { TrainingScreen } from '../../src-renderer/screens/training-screen'
import { READY } from '../../src-renderer/store/store-types'
import { classColours } from '../../src-renderer/tasks/detection/class-colours'
import {
  classificationMetricsOf,
  detectionEpochsOf,
  detectionMetricsOf,
} from '../../src-renderer/tasks/detection/detection-metrics-of'
import { detectionEpoch, detectionMetrics, detectionRecord } from '../fixtures/detection-run'
import { renderWithStore } from './render-app'

afterEach(cleanup)

function showDetectionRun() {
  const record = detectionRecord('client2-3', 'client2')
  const { events, ...summary } = record
  return renderWithStore(<ResultsScreen />, {
    selectedClient: 'client2',
    openedRun: { summary: summary as JobSummary, view: foldJobEvents(record.id, events) },
    openedRunLoad: READY,
    modelFilesLoad: READY,
  })
}

function figure(title: string): HTMLElement {
  return screen.getByText(title, { selector: 'figcaption' }).closest('figure') as HTMLElement
}

describe('telling a detection run from a classifier', () => {
  it('reads the task tag on the value, and takes old records without one as classification', () => {
    const detection = detectionMetrics()
    expect(detectionMetricsOf(detection)).toBe(detection)
    expect(classificationMetricsOf(detection)).toBeUndefined()
    const old = { backend: 'cpu', epochs: [], finalValAccuracy: 0.9 }
    expect(detectionMetricsOf(old)).toBeUndefined()
    expect(classificationMetricsOf(old)).toBe(old)
    expect(detectionEpochsOf([detectionEpoch(1)])).toHaveLength(1)
    expect(detectionEpochsOf([{ epoch: 1, accuracy: 0.5 }])).toBeUndefined()
    expect(detectionEpochsOf([])).toBeUndefined()
  })

  it('gives each class one colour, whatever boxes are on screen', () => {
    const all = classColours([3, 1, 2])
    const some = classColours([1, 2, 3])
    expect([1, 2, 3].map(all)).toEqual([1, 2, 3].map(some))
    expect(new Set([1, 2, 3].map(all)).size).toBe(3)
  })
})

describe('the results screen of a detection run', () => {
  it("shows COCO's summary, with a dash where nothing was measurable", () => {
    showDetectionRun()
    const coco = screen.getByLabelText('COCO evaluation')
    const values = Object.fromEntries(
      within(coco)
        .getAllByRole('term')
        .map((term) => [term.textContent, term.nextElementSibling?.textContent]),
    )
    expect(values).toEqual({
      'mAP@[.5:.95]': '0.612',
      'mAP@.5': '0.940',
      'mAP@.75': '0.701',
      'mAP small': '—',
      'mAP medium': '0.580',
      'mAP large': '0.660',
      'AR@100': '0.700',
    })
    // None of the classifier's evaluation.
    expect(screen.queryByText('Val. accuracy')).toBeNull()
    expect(screen.queryByRole('table', { name: /Confusion matrix/ })).toBeNull()
  })

  it('lists AP per class and draws one 101-point PR curve per class in its colour', () => {
    showDetectionRun()
    const table = screen.getByRole('table', { name: /Per-class AP/ })
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows.map((row) => row.textContent)).toEqual([
      'circle0.7100.980',
      'square0.6400.950',
      'triangle0.4860.890',
    ])
    const pr = figure('Precision–recall (IoU .5)')
    const curves = [...pr.querySelectorAll('polyline.pr-curve')]
    expect(curves).toHaveLength(3)
    expect(curves.map((c) => c.getAttribute('points')?.split(' ').length)).toEqual([101, 101, 101])
    const colours = classColours([1, 2, 3])
    expect(curves.map((c) => c.getAttribute('stroke'))).toEqual([1, 2, 3].map(colours))
    expect(
      within(pr)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['circle', 'square', 'triangle'])
  })

  it('draws mAP@.5 per epoch beside the loss and its parts', () => {
    showDetectionRun()
    expect(figure('mAP@.5').getAttribute('data-points')).toBe('5')
    const loss = figure('Loss')
    expect(loss.getAttribute('data-points')).toBe('20')
    expect(within(loss).getByText('Heatmap (train)')).toBeTruthy()
    expect(within(loss).getByText('Box (train)')).toBeTruthy()
    expect(screen.queryByText('Accuracy', { selector: 'figcaption' })).toBeNull()
    expect(screen.getByText(/validation mAP stopped improving/)).toBeTruthy()
  })

  it('shows the worst validation images with predicted boxes over dashed true ones', () => {
    showDetectionRun()
    const list = screen.getByRole('list', { name: 'Validation images with the most errors' })
    const items = within(list).getAllByRole('listitem')
    expect(items).toHaveLength(2)
    const first = items[0] as HTMLElement
    expect(within(first).getByRole('img', { name: '00000003.jpg' }).getAttribute('src')).toBe(
      'thumb://client2/00000003.jpg?size=320',
    )
    expect(first.textContent).toContain('2 missed · 1 false')
    const svg = first.querySelector('svg.box-overlay') as SVGElement
    expect(svg.getAttribute('viewBox')).toBe('0 0 128 128')
    const truth = [...svg.querySelectorAll('[data-kind="truth"]')]
    const predicted = [...svg.querySelectorAll('[data-kind="predicted"]')]
    expect(truth).toHaveLength(3)
    expect(predicted).toHaveLength(2)
    const stroked = (g: Element) => g.querySelectorAll('rect')[1] as Element
    expect(truth.every((g) => stroked(g).getAttribute('stroke-dasharray') === '5 3')).toBe(true)
    expect(predicted.every((g) => stroked(g).getAttribute('stroke-dasharray') === null)).toBe(true)
    expect(predicted.map((g) => g.textContent)).toEqual(['square 91%', 'triangle 42%'])
    const square = stroked(predicted[0] as Element)
    expect(
      [...'xywh'].map((k) => square.getAttribute(k === 'w' ? 'width' : k === 'h' ? 'height' : k)),
    ).toEqual(['10', '12', '40', '38'])
    expect(square.getAttribute('stroke')).toBe(classColours([1, 2, 3])(2))
    // A crowd region on the second image is dotted, not dashed.
    const crowd = items[1]?.querySelector('[data-crowd="true"] rect:nth-of-type(2)')
    expect(crowd?.getAttribute('stroke-dasharray')).toBe('2 3')
  })
})

describe('the training screen of a detection run', () => {
  it('draws loss parts and validation mAP@.5 as epochs arrive, not accuracy', () => {
    const record = detectionRecord('client2-4', 'client2')
    const events = record.events.filter(
      (e: JobEvent) => e.type !== 'result' && !(e.type === 'stage' && e.state === 'done'),
    )
    const view = foldJobEvents(record.id, events.slice(0, 5))
    const { events: _events, ...summary } = record
    renderWithStore(<TrainingScreen />, {
      selectedClient: 'client2',
      live: { client: 'client2', view },
      runs: [{ ...summary, state: 'training', result: undefined }],
    })
    expect(figure('mAP@.5').getAttribute('data-points')).toBe('3')
    expect(within(figure('Loss')).getByText('Heatmap (train)')).toBeTruthy()
    expect(screen.queryByText('Accuracy', { selector: 'figcaption' })).toBeNull()
  })
})

describe('boxes on the dataset screen', () => {
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

  const boxed = {
    client: 'client2',
    synced: true,
    images: [
      {
        file: 'a.jpg',
        bytes: 900,
        width: 200,
        height: 100,
        boxes: [
          { categoryId: 1, bbox: [10, 10, 40, 40] as [number, number, number, number] },
          {
            categoryId: 2,
            bbox: [120, 20, 50, 60] as [number, number, number, number],
            iscrowd: 1 as const,
          },
        ],
      },
      {
        file: 'b.jpg',
        bytes: 900,
        width: 64,
        height: 64,
        label: 'square',
        boxes: [{ categoryId: 2, bbox: [1, 1, 30, 30] as [number, number, number, number] }],
      },
      { file: 'c.jpg', bytes: 900, width: 64, height: 64 },
    ],
    classes: [
      { name: 'circle', categoryId: 1, count: 1 },
      { name: 'square', categoryId: 2, count: 2 },
    ],
  }

  it('overlays each thumbnail with its boxes in image pixels, cropped as the thumbnail is', () => {
    renderWithStore(<DatasetScreen />, {
      selectedClient: 'client2',
      dataset: boxed,
      datasetLoad: READY,
    })
    const grid = screen.getByRole('listbox', { name: 'Dataset images' })
    const cell = within(grid).getByRole('option', { name: /^a\.jpg/ })
    // Several classes, no one label: the cell says what it has.
    expect(cell.getAttribute('aria-label')).toBe('a.jpg, 2 boxes')
    const svg = cell.querySelector('svg.box-overlay') as SVGElement
    expect(svg.getAttribute('viewBox')).toBe('0 0 200 100')
    expect(svg.getAttribute('preserveAspectRatio')).toBe('xMidYMid slice')
    const boxes = [...svg.querySelectorAll('.overlay-box')]
    const colours = classColours([1, 2])
    expect(boxes.map((g) => g.querySelectorAll('rect')[1]?.getAttribute('stroke'))).toEqual([
      colours(1),
      colours(2),
    ])
    // A crowd region is dashed, an object solid.
    expect(
      boxes.map((g) => g.querySelectorAll('rect')[1]?.getAttribute('stroke-dasharray')),
    ).toEqual([null, '5 3'])
    // An image without boxes has no overlay.
    expect(
      within(grid)
        .getByRole('option', { name: /^c\.jpg/ })
        .querySelector('svg'),
    ).toBeNull()
    const legend = screen.getByRole('list', { name: 'Box colours' })
    expect(
      within(legend)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['circle', 'square'])
  })

  it('filters by a class every image that shows it, and details label the boxes', () => {
    renderWithStore(<DatasetScreen />, {
      selectedClient: 'client2',
      dataset: boxed,
      datasetLoad: READY,
      classFilter: 'square',
      selectedImage: 'a.jpg',
    })
    const grid = screen.getByRole('listbox', { name: 'Images labelled square' })
    expect(
      within(grid)
        .getAllByRole('option')
        .map((o) => o.getAttribute('aria-label')?.split(',')[0]),
    ).toEqual(['a.jpg', 'b.jpg'])
    const details = screen.getByRole('complementary', { name: 'Image details' })
    expect(within(details).getByText('2 boxes (1 crowd, dashed)')).toBeTruthy()
    const labels = [...details.querySelectorAll('.overlay-label')].map((t) => t.textContent)
    expect(labels).toEqual(['circle', 'square'])
  })
})
