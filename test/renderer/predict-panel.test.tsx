// @vitest-environment jsdom
// "Try it" on the results screen: images picked with the file input or dropped go to the stored
// model one request each, and come back as top classes with score bars, or as the error and its
// code; every model file has a download link.

import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
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
