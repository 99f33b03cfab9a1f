// @vitest-environment jsdom
// "Try it" on the results screen: images picked with the file input or dropped go to the stored
// model one request each, and come back as top classes with score bars, or as the error and its
// code; every model file has a download link.

import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { DetectionPrediction } from '../../src-shared/predictions'
import { ResultsScreen } from '../../src-renderer/screens/results-screen'
import { READY } from '../../src-renderer/store/store-types'
import { FakeApi } from './fake-api'
import { renderWithStore } from './render-app'

afterEach(cleanup)

const MODEL_FILES = [
  { key: 'model.h5', bytes: 2048 },
  { key: 'model.json', bytes: 900 },
  { key: 'weights.bin', bytes: 4096 },
  { key: 'labels.json', bytes: 120 },
]

function showResults(api = new FakeApi()) {
  return renderWithStore(
    <ResultsScreen />,
    { selectedClient: 'client0', modelFiles: MODEL_FILES, modelFilesLoad: READY },
    api,
  )
}

const png = (name: string) =>
  new File([new Uint8Array([137, 80, 78, 71, 1, 2])], name, { type: 'image/png' })

describe('the Try it panel', () => {
  it('classifies a picked image and shows its top classes with their scores', async () => {
    const { api } = showResults()
    const input = screen.getByLabelText(/Choose images to classify/)
    expect(input).toHaveProperty('disabled', false)
    fireEvent.change(input, { target: { files: [png('circle-1.png')] } })

    const scores = await screen.findByRole('list', { name: 'Top classes of circle-1.png' })
    const rows = within(scores).getAllByRole('listitem')
    expect(rows.map((row) => row.textContent)).toEqual(['circle87.5%', 'square12.5%'])
    const bar = rows[0]?.querySelector('.score-bar > span') as HTMLElement
    expect(bar.style.width).toBe('88%')
    expect(api.predicted).toEqual([{ client: 'client0', bytes: 6, contentType: 'image/png' }])
  })

  it('classifies dropped images, and shows a refused one with its error code', async () => {
    const api = new FakeApi()
    showResults(api)
    const zone = screen.getByText(/or drop them here/).closest('.drop-zone') as HTMLElement
    api.failures.set('predict:client0', {
      code: 'IMAGE_UNREADABLE',
      message: 'the image cannot be decoded',
    })
    fireEvent.drop(zone, { dataTransfer: { files: [png('broken.png')] } })
    await waitFor(() => expect(screen.getByText('IMAGE_UNREADABLE')).toBeTruthy())
    expect(screen.getByText('the image cannot be decoded')).toBeTruthy()
    expect(api.predicted).toHaveLength(0)
  })

  it('waits for a stored model before taking images', () => {
    renderWithStore(<ResultsScreen />, {
      selectedClient: 'client0',
      modelFiles: [],
      modelFilesLoad: READY,
    })
    expect(screen.getByLabelText(/Choose images to classify/)).toHaveProperty('disabled', true)
    expect(screen.getByText(/Once a model of client0 is stored/)).toBeTruthy()
  })

  it('links every model file to its download', () => {
    showResults()
    for (const file of MODEL_FILES) {
      const link = screen.getByRole('link', { name: `Download ${file.key}` })
      expect(link.getAttribute('href')).toBe(`model://client0/${file.key}`)
      expect(link.getAttribute('download')).toBe(file.key)
    }
  })
})

describe('the Try it panel with a detector', () => {
  const detections = {
    model: { bucket: 'training-server-model-client2', etag: '"e1"' },
    predictions: [
      { category_id: 2, category: 'square', bbox: [10, 20, 60, 40], score: 0.92 },
      { category_id: 1, category: 'circle', bbox: [100, 30, 50, 50], score: 0.55 },
      { category_id: 1, category: 'circle', bbox: [5, 90, 20, 20], score: 0.33 },
    ] as DetectionPrediction[],
  }

  it('draws the boxes over the posted image in its own pixels, and filters them by score here', async () => {
    const api = new FakeApi()
    api.prediction = detections
    const { container } = showResults(api)
    fireEvent.change(screen.getByLabelText(/Choose images to classify/), {
      target: { files: [png('street.png')] },
    })
    const found = await screen.findByRole('list', { name: 'Objects found in street.png' })
    expect(
      within(found)
        .getAllByRole('listitem')
        .map((row) => row.textContent),
    ).toEqual(['square92.0%', 'circle55.0%', 'circle33.0%'])
    // The boxes wait for the image's own size, then sit in its pixels.
    const image = screen.getByRole('img', { name: 'street.png' })
    Object.defineProperty(image, 'naturalWidth', { value: 320 })
    Object.defineProperty(image, 'naturalHeight', { value: 200 })
    fireEvent.load(image)
    const svg = container.querySelector('.try-boxed svg.box-overlay') as SVGElement
    expect(svg.getAttribute('viewBox')).toBe('0 0 320 200')
    expect(svg.getAttribute('preserveAspectRatio')).toBe('none')
    const labels = () => [...svg.querySelectorAll('.overlay-label')].map((t) => t.textContent)
    expect(labels()).toEqual(['square 92%', 'circle 55%', 'circle 33%'])
    const first = svg.querySelectorAll('.overlay-box rect')[1] as Element
    expect(['x', 'y', 'width', 'height'].map((k) => first.getAttribute(k))).toEqual([
      '10',
      '20',
      '60',
      '40',
    ])

    fireEvent.change(screen.getByRole('slider', { name: 'Score threshold' }), {
      target: { value: '0.5' },
    })
    expect(labels()).toEqual(['square 92%', 'circle 55%'])
    expect(screen.getByText('1 below the threshold not shown.')).toBeTruthy()
    expect(api.predicted).toHaveLength(1)
  })

  it('keeps a classifier answer as score bars, with no threshold to set', async () => {
    showResults()
    fireEvent.change(screen.getByLabelText(/Choose images to classify/), {
      target: { files: [png('circle-1.png')] },
    })
    await screen.findByRole('list', { name: 'Top classes of circle-1.png' })
    expect(screen.queryByRole('slider', { name: 'Score threshold' })).toBeNull()
  })
})
