// @vitest-environment jsdom
// An instance-segmentation run on the screens: mask COCOeval with the boxes' beside it, per-class
// mask AP and PR curves on masks, reviewed images with predicted masks filled over outlined true
// ones, live curves with the mask loss and validation mask mAP@.5, the runs list's headline, and
// the try-it panel drawing masks and speaking of segmenting.

import { cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobEvent, JobSummary } from '../../src-shared/job-events'
import { rleFromBox } from '../../src-shared/coco-mask/polygon-to-rle'
import { rleToCompressed } from '../../src-shared/coco-mask/rle-string'
import type { SegmentationPrediction } from '../../src-shared/predictions'
import { foldJobEvents } from '../../src-renderer/jobs/job-view'
import { headlineMetric } from '../../src-renderer/jobs/headline-metric'
import { ResultsScreen } from '../../src-renderer/screens/results-screen'
import { RunsScreen } from '../../src-renderer/screens/runs-screen'
import { TrainingScreen } from '../../src-renderer/screens/training-screen'
import { READY } from '../../src-renderer/store/store-types'
import {
  classificationMetricsOf,
  detectionMetricsOf,
  objectEpochsOf,
  segmentationMetricsOf,
} from '../../src-renderer/tasks/detection/detection-metrics-of'
import {
  segmentationEpoch,
  segmentationMetrics,
  segmentationRecord,
} from '../fixtures/segmentation-run'
import { FakeApi } from './fake-api'
import { renderWithStore } from './render-app'

afterEach(cleanup)

function showSegmentationRun() {
  const record = segmentationRecord('client3-1', 'client3')
  const { events, ...summary } = record
  return renderWithStore(<ResultsScreen />, {
    selectedClient: 'client3',
    openedRun: { summary: summary as JobSummary, view: foldJobEvents(record.id, events) },
    openedRunLoad: READY,
    modelFilesLoad: READY,
  })
}

function figure(title: string): HTMLElement {
  return screen.getByText(title, { selector: 'figcaption' }).closest('figure') as HTMLElement
}

function summaryValues(label: string): Record<string, string | null | undefined> {
  return Object.fromEntries(
    within(screen.getByLabelText(label))
      .getAllByRole('term')
      .map((term) => [term.textContent, term.nextElementSibling?.textContent]),
  )
}

describe('telling a segmentation run apart', () => {
  it('is neither a classifier nor a detector, and is headlined by its mask mAP@.5', () => {
    const metrics = segmentationMetrics()
    expect(segmentationMetricsOf(metrics)).toBe(metrics)
    expect(detectionMetricsOf(metrics)).toBeUndefined()
    expect(classificationMetricsOf(metrics)).toBeUndefined()
    expect(objectEpochsOf([segmentationEpoch(1)])).toHaveLength(1)
    expect(headlineMetric(metrics)).toEqual({ label: 'validation mask mAP@.5', value: '0.870' })
  })
})

describe('the results screen of a segmentation run', () => {
  it('shows mask COCOeval with the box one beside it', () => {
    showSegmentationRun()
    expect(summaryValues('COCO evaluation (mask)')).toMatchObject({
      'mask mAP@[.5:.95]': '0.550',
      'mask mAP@.5': '0.871',
      'mask mAP@.75': '0.600',
      'mask mAP small': '—',
      'mask mAP medium': '0.500',
      'mask mAP large': '0.620',
    })
    expect(summaryValues('COCO evaluation (box)')).toMatchObject({
      'box mAP@[.5:.95]': '0.660',
      'box mAP@.5': '0.912',
    })
    expect(screen.getByText('Val. mask mAP@.5').nextElementSibling?.textContent).toBe('0.870')
    expect(screen.getByText(/validation mask mAP\s+stopped improving/)).toBeTruthy()
  })

  it('lists mask AP per class and draws the PR curves on masks', () => {
    showSegmentationRun()
    const table = screen.getByRole('table', { name: /Per-class mask AP/ })
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows.map((row) => row.textContent)).toEqual([
      'disc0.6300.930',
      'star0.4800.810',
      'hexagon——',
    ])
    const curves = figure('Precision–recall (IoU .5)').querySelectorAll('polyline.pr-curve')
    expect(curves).toHaveLength(2)
  })

  it('draws the mask loss beside the other parts, and mask mAP@.5 per epoch', () => {
    showSegmentationRun()
    expect(figure('Mask mAP@.5').getAttribute('data-points')).toBe('5')
    const loss = figure('Loss')
    expect(loss.getAttribute('data-points')).toBe('25')
    expect(within(loss).getByText('Mask (train)')).toBeTruthy()
    expect(screen.queryByText('Accuracy', { selector: 'figcaption' })).toBeNull()
  })

  it('shows the worst images with predicted masks filled over outlined true masks', () => {
    showSegmentationRun()
    const list = screen.getByRole('list', { name: 'Validation images with the most errors' })
    const [item] = within(list).getAllByRole('listitem')
    expect(item?.textContent).toContain('1 missed · 1 false')
    const masks = item?.querySelector('svg.mask-overlay') as SVGElement
    expect(masks.getAttribute('viewBox')).toBe('0 0 128 128')
    const paths = [...masks.querySelectorAll('path')]
    const filled = paths.filter((p) => p.getAttribute('fill') !== 'none')
    const outlined = paths.filter((p) => p.getAttribute('fill') === 'none')
    expect(filled.map((p) => p.getAttribute('data-mask-label'))).toEqual([
      'predicted disc',
      'predicted star',
    ])
    expect(outlined.map((p) => p.getAttribute('data-mask-label'))).toEqual([
      'true disc',
      'true hexagon',
    ])
    expect(paths.every((p) => (p.getAttribute('d') ?? '').length > 0)).toBe(true)
    // The boxes stay drawn over the masks.
    expect(item?.querySelectorAll('svg.box-overlay [data-kind="predicted"]')).toHaveLength(2)
  })
})

describe('the training and runs screens of a segmentation run', () => {
  it('draws the mask loss and validation mask mAP@.5 as epochs arrive', () => {
    const record = segmentationRecord('client3-2', 'client3')
    const events = record.events.filter(
      (e: JobEvent) => e.type !== 'result' && !(e.type === 'stage' && e.state === 'done'),
    )
    const view = foldJobEvents(record.id, events.slice(0, 5))
    const { events: _events, ...summary } = record
    renderWithStore(<TrainingScreen />, {
      selectedClient: 'client3',
      live: { client: 'client3', view },
      runs: [{ ...summary, state: 'training', result: undefined }],
    })
    expect(figure('Mask mAP@.5').getAttribute('data-points')).toBe('3')
    expect(within(figure('Loss')).getByText('Mask (train)')).toBeTruthy()
    expect(screen.queryByText('Accuracy', { selector: 'figcaption' })).toBeNull()
  })

  it('headlines a run in the list by its mask mAP@.5', () => {
    const { events: _events, ...summary } = segmentationRecord('client3-3', 'client3')
    renderWithStore(<RunsScreen />, { selectedClient: 'client3', runs: [summary], runsLoad: READY })
    expect(screen.getByText('mask mAP@.5 0.870')).toBeTruthy()
  })
})

describe('the Try it panel with a segmenter', () => {
  const mask = rleToCompressed(rleFromBox([10, 20, 60, 40], 200, 320))
  const answer = {
    model: { bucket: 'training-server-model-client3', etag: '"e1"' },
    task: 'instance_segmentation' as const,
    predictions: [
      {
        category_id: 1,
        category: 'disc',
        bbox: [10, 20, 60, 40],
        score: 0.9,
        segmentation: { size: mask.size, counts: mask.counts },
      },
    ] as SegmentationPrediction[],
  }

  it('speaks of segmenting, and draws each mask beneath its box in the image’s pixels', async () => {
    const api = new FakeApi()
    api.prediction = answer
    const { container } = renderWithStore(
      <ResultsScreen />,
      {
        selectedClient: 'client3',
        modelFiles: [{ key: 'model.json', bytes: 900 }],
        modelFilesLoad: READY,
        clients: [
          {
            summary: {
              client: 'client3',
              datasetBucket: 'training-server-client3',
              modelBucket: 'training-server-model-client3',
              trainType: 'instance_segmentation',
            },
          },
        ] as never,
      },
      api,
    )
    const input = screen.getByLabelText(/Choose images to segment/)
    fireEvent.change(input, {
      target: {
        files: [new File([new Uint8Array([137, 80])], 'shapes.png', { type: 'image/png' })],
      },
    })
    await screen.findByRole('list', { name: 'Objects found in shapes.png' })
    expect(screen.getByRole('list', { name: 'Segmented images' })).toBeTruthy()
    const image = screen.getByRole('img', { name: 'shapes.png' })
    Object.defineProperty(image, 'naturalWidth', { value: 320 })
    Object.defineProperty(image, 'naturalHeight', { value: 200 })
    fireEvent.load(image)
    const masks = container.querySelector('.try-boxed svg.mask-overlay') as SVGElement
    expect(masks.getAttribute('viewBox')).toBe('0 0 320 200')
    expect(masks.querySelectorAll('path')).toHaveLength(1)
    expect(container.querySelector('.try-boxed svg.box-overlay')).toBeTruthy()
  })
})
