// @vitest-environment jsdom
// Transfer learning in the UI: the backbone fields appear only for that architecture, their
// problems show at the field, the start request carries them, and finished runs name the backbone.

import { act, cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobResult, JobSummary, TrainingMetrics } from '../../src-shared/job-events'
import { foldJobEvents } from '../../src-renderer/jobs/job-view'
import { ResultsScreen } from '../../src-renderer/screens/results-screen'
import { RunsScreen } from '../../src-renderer/screens/runs-screen'
import { TrainingScreen } from '../../src-renderer/screens/training-screen'
import { READY } from '../../src-renderer/store/store-types'
import { summary } from './fake-api'
import { renderWithStore } from './render-app'

afterEach(cleanup)

const BACKBONE = 'Backbone (path or URL)'
const FINE_TUNE = 'Fine-tune last layers'
const startButton = () =>
  screen.getByRole('button', { name: 'Start training' }) as HTMLButtonElement
const settle = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)))

describe('training form, transfer architecture', () => {
  it('shows the backbone fields only while transfer is chosen, each described', () => {
    renderWithStore(<TrainingScreen />, { selectedClient: 'client0' })
    const architecture = screen.getByLabelText('Architecture') as HTMLSelectElement
    expect([...architecture.options].map((o) => o.value)).toEqual(['cnn', 'reference', 'transfer'])
    expect(screen.queryByLabelText(BACKBONE)).toBeNull()
    expect(screen.queryByLabelText(FINE_TUNE)).toBeNull()
    expect(screen.getByText(/trained from scratch/).id).toBe(
      architecture.getAttribute('aria-describedby'),
    )

    fireEvent.change(architecture, { target: { value: 'transfer' } })
    expect(screen.getByText(/pretrained backbone/).id).toBe(
      architecture.getAttribute('aria-describedby'),
    )
    const backbone = screen.getByLabelText(BACKBONE) as HTMLInputElement
    const fineTune = screen.getByLabelText(FINE_TUNE) as HTMLInputElement
    expect(backbone.type).toBe('text')
    expect(fineTune.value).toBe('0')
    expect(fineTune.min).toBe('0')
    expect(fineTune.max).toBe('1000')
    const fineTuneHint = document.getElementById(fineTune.getAttribute('aria-describedby') ?? '')
    expect(fineTuneHint?.textContent).toContain('0 = frozen backbone')

    fireEvent.change(architecture, { target: { value: 'reference' } })
    expect(screen.queryByLabelText(BACKBONE)).toBeNull()
    expect(screen.queryByLabelText(FINE_TUNE)).toBeNull()
  })

  it('blocks the start until a usable backbone is given, and says why at the field', () => {
    renderWithStore(<TrainingScreen />, { selectedClient: 'client0' })
    expect(startButton().disabled).toBe(false)
    fireEvent.change(screen.getByLabelText('Architecture'), { target: { value: 'transfer' } })
    expect(startButton().disabled).toBe(true)

    const backbone = screen.getByLabelText(BACKBONE)
    fireEvent.change(backbone, { target: { value: 'ftp://models.example/b.h5' } })
    expect(backbone.getAttribute('aria-invalid')).toBe('true')
    const hint = document.getElementById(backbone.getAttribute('aria-describedby') ?? '')
    expect(hint?.textContent).toMatch(/^Backbone: ftp: URLs are not supported/)
    expect(startButton().disabled).toBe(true)

    fireEvent.change(backbone, { target: { value: 'https://models.example/b.h5' } })
    expect(backbone.getAttribute('aria-invalid')).toBeNull()
    expect(startButton().disabled).toBe(false)

    const fineTune = screen.getByLabelText(FINE_TUNE)
    fireEvent.change(fineTune, { target: { value: '1001' } })
    expect(fineTune.getAttribute('aria-invalid')).toBe('true')
    expect(startButton().disabled).toBe(true)
  })

  it('starts training with the backbone and fine-tuned layers', async () => {
    const { api } = renderWithStore(<TrainingScreen />, { selectedClient: 'client0' })
    fireEvent.change(screen.getByLabelText('Architecture'), { target: { value: 'transfer' } })
    fireEvent.change(screen.getByLabelText(BACKBONE), {
      target: { value: '/srv/models/mobilenet/model.json' },
    })
    fireEvent.change(screen.getByLabelText(FINE_TUNE), { target: { value: '3' } })
    fireEvent.click(startButton())
    await settle()
    expect(api.started).toHaveLength(1)
    expect(api.started[0]?.params).toMatchObject({
      architecture: 'transfer',
      backbone: '/srv/models/mobilenet/model.json',
      fineTuneLayers: 3,
    })
  })

  it('offers the MobileNet presets, sent by name, in place of a path', async () => {
    const { api } = renderWithStore(<TrainingScreen />, { selectedClient: 'client0' })
    fireEvent.change(screen.getByLabelText('Architecture'), { target: { value: 'transfer' } })
    const preset = screen.getByLabelText('Pretrained backbone') as HTMLSelectElement
    expect(preset.value).toBe('')
    expect([...preset.options].map((o) => o.value)).toEqual(
      expect.arrayContaining(['', 'mobilenet_v1_0.25_224', 'mobilenet_v2_0.35_224']),
    )
    fireEvent.change(preset, { target: { value: 'mobilenet_v2_0.35_224' } })
    expect(screen.queryByLabelText(BACKBONE)).toBeNull()
    const hint = document.getElementById(preset.getAttribute('aria-describedby') ?? '')
    expect(hint?.textContent).toMatch(/downloaded once .* trains from scratch/i)
    expect(startButton().disabled).toBe(false)
    fireEvent.click(startButton())
    await settle()
    expect(api.started[0]?.params).toMatchObject({
      architecture: 'transfer',
      backbone: 'mobilenet_v2_0.35_224',
    })
    // Back to one's own file: the path field returns, empty.
    fireEvent.change(preset, { target: { value: '' } })
    expect((screen.getByLabelText(BACKBONE) as HTMLInputElement).value).toBe('')
  })

  it('leaves the backbone out of the request once another architecture is chosen', async () => {
    const { api } = renderWithStore(<TrainingScreen />, { selectedClient: 'client0' })
    const architecture = screen.getByLabelText('Architecture')
    fireEvent.change(architecture, { target: { value: 'transfer' } })
    fireEvent.change(screen.getByLabelText(BACKBONE), { target: { value: 'models/b.h5' } })
    fireEvent.change(architecture, { target: { value: 'cnn' } })
    fireEvent.click(startButton())
    await settle()
    // cnn is what the server would choose anyway, so nothing is left to send.
    expect(api.started[0]?.params).toEqual({})
  })
})

describe('finished transfer runs', () => {
  const metrics: TrainingMetrics = {
    backend: 'cpu',
    epochs: [],
    finalValAccuracy: 0.9,
    finalValLoss: 0.2,
    trainImages: 16,
    valImages: 4,
    classes: ['cat', 'dog'],
  }
  const run = (params: Partial<JobSummary['params']>, extra: object = {}): JobSummary => {
    const base = summary('client0-1', 'client0', 'done', '2024-05-01T09:00:00.000Z')
    const result: JobResult = {
      jobId: base.id,
      client: 'client0',
      state: 'done',
      Training: 'Succesfull',
      Storing: 'Succesfull',
      timings: {},
      metrics: { ...metrics, ...extra },
    }
    return { ...base, params: { ...base.params, ...params }, result }
  }
  const showResults = (job: JobSummary) =>
    renderWithStore(<ResultsScreen />, {
      selectedClient: 'client0',
      openedRun: {
        summary: job,
        view: { ...foldJobEvents(job.id, []), state: 'done', result: job.result },
      },
      openedRunLoad: READY,
      modelFilesLoad: READY,
    })

  it('says when a preset could not be downloaded and the run trained from scratch', () => {
    const job = run({ architecture: 'cnn' })
    job.result = {
      ...job.result!,
      backboneFallback: {
        backbone: 'mobilenet_v1_0.25_224',
        architecture: 'cnn',
        error: { code: 'BACKBONE_OFFLINE', message: 'no network' },
      },
    }
    showResults(job)
    const note = screen.getByRole('note')
    expect(note.textContent).toMatch(
      /mobilenet_v1_0\.25_224 could not be downloaded, so this run trained cnn from scratch/,
    )
    expect(note.textContent).toContain('BACKBONE_OFFLINE')
  })

  it('names the backbone of a transfer run and whether it was fine-tuned', () => {
    showResults(
      run({
        architecture: 'transfer',
        backbone: 'https://models.example/mobilenet/model.json',
        fineTuneLayers: 2,
      }),
    )
    const line = screen.getByText(/Transfer learning from/)
    expect(within(line).getByText('https://models.example/mobilenet/model.json')).toBeTruthy()
    expect(line.textContent).toContain('last 2 layers fine-tuned')
  })

  it('reads the backbone the metrics echo, and says when it stayed frozen', () => {
    showResults(run({}, { params: { backbone: 'models/b.h5' } }))
    const line = screen.getByText(/Transfer learning from/)
    expect(within(line).getByText('models/b.h5')).toBeTruthy()
    expect(line.textContent).toContain('backbone frozen')
  })

  it('shows no backbone line for runs without one', () => {
    showResults(run({}, { params: { backbone: 42 } }))
    expect(screen.getByText('90.0%')).toBeTruthy()
    expect(screen.queryByText(/Transfer learning from/)).toBeNull()
  })

  it('marks transfer runs in the run list by their backbone', () => {
    const plain = { ...run({}), id: 'client0-2' }
    renderWithStore(<RunsScreen />, {
      selectedClient: 'client0',
      runs: [
        run({ architecture: 'transfer', backbone: 'https://m.example/mobilenet/model.json' }),
        plain,
      ],
      runsLoad: READY,
    })
    const rows = screen.getAllByRole('row').slice(1)
    expect(
      within(rows[0] as HTMLElement).getByText('transfer from mobilenet/model.json'),
    ).toBeTruthy()
    expect(within(rows[1] as HTMLElement).queryByText(/transfer from/)).toBeNull()
  })
})
