// @vitest-environment jsdom
// The screens say what is true of the data, not what is convenient: images training leaves out,
// the stored model apart from the last run, empty buckets, unknown categories, and a thumbnail
// grid that loads only the rows that stay in view.

import { act, cleanup, render, screen, within } from '@testing-library/react'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AnnotationReport } from '../../src-shared/annotation-report'
import type { DatasetView } from '../../src-shared/dataset-view'
import type { ClientSummary } from '../../src-shared/http-api'
import type { JobResult } from '../../src-shared/job-events'
import { FAST_SCROLL_WINDOW_MS } from '../../src-renderer/components/fast-scroll'
import { ROW_SETTLE_MS, ThumbnailGrid } from '../../src-renderer/components/thumbnail-grid'
import { foldJobEvents } from '../../src-renderer/jobs/job-view'
import { ClientsScreen } from '../../src-renderer/screens/clients-screen'
import { DatasetScreen } from '../../src-renderer/screens/dataset-screen'
import { ErrorsScreen } from '../../src-renderer/screens/errors-screen'
import { ResultsScreen } from '../../src-renderer/screens/results-screen'
import { READY } from '../../src-renderer/store/store-types'
import { dataset, summary } from './fake-api'
import { renderWithStore } from './render-app'

afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

// jsdom lays nothing out: the virtualised grid needs a viewport to render rows into.
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

const cleanReport: AnnotationReport = {
  ok: true,
  errors: 0,
  warnings: 0,
  findings: [],
  stats: { images: 2, annotations: 2, categories: 2, imagesPerClass: {} },
}

function withSkipped(view: DatasetView): DatasetView {
  const skipped = { code: 'IMAGE_UNREADABLE', message: 'images/b.jpg is truncated' }
  return {
    ...view,
    images: view.images.map((image) => (image.file === 'b.jpg' ? { ...image, skipped } : image)),
    report: cleanReport,
    skippedImages: [{ file: 'b.jpg', ...skipped }],
    skippedImageCount: 1,
  }
}

const files: [string, string][] = [
  ['a.jpg', 'cat'],
  ['b.jpg', 'dog'],
]

describe('skipped images', () => {
  it('the errors screen lists them with their codes instead of saying every file passed', () => {
    renderWithStore(<ErrorsScreen />, {
      selectedClient: 'client0',
      dataset: withSkipped(dataset('client0', files)),
      datasetLoad: READY,
    })
    expect(screen.queryByText('No annotation problems')).toBeNull()
    expect(screen.getByText(/Training leaves out 1 image/)).toBeTruthy()
    const table = screen.getByRole('table', { name: 'Images left out of training' })
    const row = within(table).getAllByRole('row')[1] as HTMLElement
    expect(within(row).getByText('IMAGE_UNREADABLE')).toBeTruthy()
    expect(within(row).getByText('images/b.jpg is truncated')).toBeTruthy()
    expect(within(row).getByRole('button', { name: 'Open skipped image b.jpg' })).toBeTruthy()
  })

  it('the dataset grid gives the skipped thumbnail its reason', () => {
    renderWithStore(<DatasetScreen />, {
      selectedClient: 'client0',
      dataset: withSkipped(dataset('client0', files)),
      datasetLoad: READY,
    })
    const grid = screen.getByRole('listbox', { name: 'Dataset images' })
    const cell = within(grid).getByRole('option', { name: /^b\.jpg/ })
    expect(cell.getAttribute('aria-label')).toBe('b.jpg, dog, skipped: images/b.jpg is truncated')
    expect(within(cell).getByText('skipped · IMAGE_UNREADABLE')).toBeTruthy()
    expect(screen.getByText(/1 skipped/)).toBeTruthy()
  })

  it('the results of a run that left images out say how many', () => {
    const result: JobResult = {
      jobId: 'client0-1',
      client: 'client0',
      state: 'done',
      Training: 'Succesfull',
      Storing: 'Succesfull',
      timings: {},
      skippedImages: [{ file: 'b.jpg', code: 'IMAGE_UNREADABLE', message: 'truncated' }],
      skippedImageCount: 3,
    }
    renderWithStore(<ResultsScreen />, {
      selectedClient: 'client0',
      openedRun: {
        summary: { ...summary('client0-1', 'client0', 'done', '2024-05-01T09:00:00Z'), result },
        view: { ...foldJobEvents('client0-1', []), state: 'done', result },
      },
      openedRunLoad: READY,
      modelFilesLoad: READY,
    })
    expect(screen.getByText(/3 images could not be read and were left out/)).toBeTruthy()
  })
})

describe('the stored model apart from the last run', () => {
  const base: ClientSummary = {
    client: 'client0',
    datasetBucket: 'training-server-client0',
    modelBucket: 'training-server-model-client0',
  }

  it('the clients screen shows counts, the stored model and the last run separately', () => {
    const clients: ClientSummary[] = [
      {
        ...base,
        dataset: { images: 120, classes: 3, skippedImages: 2, empty: false },
        storedModel: {
          storedAt: '2024-05-01T09:00:00.000Z',
          jobId: 'client0-good',
          valAccuracy: 1,
          files: 5,
        },
        lastJob: {
          id: 'client0-bad',
          state: 'interrupted',
          valAccuracy: 0.969,
          updatedAt: '2024-05-02T09:00:00.000Z',
        },
      },
      {
        ...base,
        client: 'client1',
        dataset: { images: 0, skippedImages: 0, empty: true },
        lastJob: { id: 'client1-1', state: 'training', updatedAt: '2024-05-02T09:00:00.000Z' },
      },
      { ...base, client: 'client2' },
    ]
    renderWithStore(<ClientsScreen />, {
      clients: clients.map((summary) => ({ summary })),
      clientsLoad: READY,
    })
    const rows = screen.getAllByRole('row').slice(1)
    const first = within(rows[0] as HTMLElement)
    expect(first.getByText('2 skipped')).toBeTruthy()
    expect(first.getByText('100.0%')).toBeTruthy()
    expect(first.getByText(/run client0-/)).toBeTruthy()
    expect(first.getByText('Interrupted')).toBeTruthy()
    // The discarded run's accuracy is not shown as if it were the client's model.
    expect(first.queryByText('96.9%')).toBeNull()
    const second = within(rows[1] as HTMLElement)
    expect(second.getByText('empty')).toBeTruthy()
    expect(second.getByText('Running')).toBeTruthy()
    expect(second.getByText('none')).toBeTruthy()
    expect(within(rows[2] as HTMLElement).getByText('not synced')).toBeTruthy()
  })

  it('a client whose job is followed live shows as running though the list predates it', () => {
    renderWithStore(<ClientsScreen />, {
      clients: [{ summary: { ...base, lastJob: { id: 'old', state: 'failed', updatedAt: '' } } }],
      clientsLoad: READY,
      live: { client: 'client0', view: { ...foldJobEvents('new', []), state: 'training' } },
    })
    const row = within(screen.getAllByRole('row')[1] as HTMLElement)
    expect(row.getByText('Running')).toBeTruthy()
    expect(row.getByText('Training')).toBeTruthy()
    expect(row.queryByText('Failed')).toBeNull()
  })

  it('results say when the model bucket holds another run’s model', () => {
    const result: JobResult = {
      jobId: 'client0-bad',
      client: 'client0',
      state: 'interrupted',
      Training: 'Interrupted',
      Storing: 'Skipped',
      timings: {},
    }
    renderWithStore(<ResultsScreen />, {
      selectedClient: 'client0',
      clients: [
        {
          summary: {
            ...base,
            storedModel: { jobId: 'client0-good', valAccuracy: 1, files: 5 },
          },
        },
      ],
      openedRun: {
        summary: {
          ...summary('client0-bad', 'client0', 'interrupted', '2024-05-02T09:00:00Z'),
          result,
        },
        view: { ...foldJobEvents('client0-bad', []), state: 'interrupted', result },
      },
      openedRunLoad: READY,
      modelFiles: [{ key: 'model.h5', bytes: 10 }],
      modelFilesLoad: READY,
    })
    expect(screen.getByText('client0-good')).toBeTruthy()
    expect(screen.getByText(/These files are not this run/)).toBeTruthy()
  })
})

describe('the dataset as it is', () => {
  it('an empty bucket after a sync says empty, not never synced', () => {
    renderWithStore(<DatasetScreen />, {
      selectedClient: 'client0',
      dataset: { client: 'client0', synced: true, empty: true, images: [], classes: [] },
      datasetLoad: READY,
    })
    expect(screen.getByText('The bucket is empty')).toBeTruthy()
    expect(screen.queryByText('Not synced yet')).toBeNull()
  })

  it('an annotation naming an unknown category is shown as such', () => {
    const view = dataset('client0', files)
    const images = view.images.map((image) =>
      image.file === 'b.jpg' ? { file: 'b.jpg', bytes: 10, unknownCategoryId: 7 } : image,
    )
    const { store } = renderWithStore(<DatasetScreen />, {
      selectedClient: 'client0',
      dataset: { ...view, images },
      datasetLoad: READY,
    })
    const grid = screen.getByRole('listbox', { name: 'Dataset images' })
    expect(within(grid).getByRole('option', { name: 'b.jpg, unknown category 7' })).toBeTruthy()
    act(() => store.getState().selectImage('b.jpg'))
    const details = screen.getByRole('complementary', { name: 'Image details' })
    expect(within(details).getByText('unknown category 7')).toBeTruthy()
  })
})

describe('thumbnail grid', () => {
  const images = files.map(([file, label]) => ({ file, label, bytes: 10 }))
  const grid = () => (
    <ThumbnailGrid
      label="Dataset images"
      images={images}
      thumbnailUrl={(file) => `thumb://${file}`}
      onSelect={() => undefined}
    />
  )

  it('requests a row’s thumbnails only once the row has stayed in view', () => {
    vi.useFakeTimers()
    render(grid())
    const img = () => screen.getByRole('listbox').querySelector('img')
    expect(img()?.getAttribute('src')).toBeNull()
    act(() => vi.advanceTimersByTime(ROW_SETTLE_MS + 1))
    expect(img()?.getAttribute('src')).toBe('thumb://a.jpg')
  })

  it('a row that leaves before it settles never asks for its thumbnails', () => {
    vi.useFakeTimers()
    const view = render(grid())
    act(() => vi.advanceTimersByTime(ROW_SETTLE_MS / 2))
    const img = screen.getByRole('listbox').querySelector('img') as HTMLImageElement
    view.unmount()
    act(() => vi.advanceTimersByTime(ROW_SETTLE_MS * 2))
    expect(img.getAttribute('src')).toBeNull()
  })

  it('rows that settle while the grid is flung wait until it slows down', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] })
    const many = Array.from({ length: 600 }, (_, i) => ({ file: `${i}.jpg`, label: 'x', bytes: 1 }))
    render(
      <ThumbnailGrid
        label="Dataset images"
        images={many}
        thumbnailUrl={(file) => `thumb://${file}`}
        onSelect={() => undefined}
      />,
    )
    const scroller = screen.getByRole('listbox')
    act(() => vi.advanceTimersByTime(ROW_SETTLE_MS + 1))
    const flingTo = (top: number): void => {
      Object.defineProperty(scroller, 'scrollTop', { configurable: true, value: top })
      act(() => {
        scroller.dispatchEvent(new Event('scroll'))
      })
    }
    flingTo(6000)
    act(() => vi.advanceTimersByTime(50))
    flingTo(12000)
    act(() => vi.advanceTimersByTime(ROW_SETTLE_MS * 2))
    const shown = [...scroller.querySelectorAll<HTMLElement>('[role="option"]')].at(-1)
    expect(Number(shown?.dataset.index)).toBeGreaterThan(100)
    expect(shown?.querySelector('img')?.getAttribute('src')).toBeNull()
    act(() => vi.advanceTimersByTime(FAST_SCROLL_WINDOW_MS + 1))
    expect(shown?.querySelector('img')?.getAttribute('src')).toMatch(/^thumb:\/\//)
  })
})
