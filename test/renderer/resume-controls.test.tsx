// @vitest-environment jsdom
// Stopping asks first and says whether the run can be resumed; interrupted runs that kept a
// checkpoint offer Resume, on the training screen and in the runs list.

import { act, cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobResult, JobSummary } from '../../src-shared/job-events'
import { foldJobEvents } from '../../src-renderer/jobs/job-view'
import { RunsScreen } from '../../src-renderer/screens/runs-screen'
import { TrainingScreen } from '../../src-renderer/screens/training-screen'
import { READY } from '../../src-renderer/store/store-types'
import { events, summary } from './fake-api'
import { renderWithStore } from './render-app'

afterEach(cleanup)

const interrupted = (id: string, extra: Partial<JobResult> = {}): JobSummary => ({
  ...summary(id, 'client0', 'interrupted', '2024-05-01T09:00:00.000Z'),
  result: {
    jobId: id,
    client: 'client0',
    state: 'interrupted',
    Training: 'Interrupted',
    Storing: 'Skipped',
    timings: {},
    ...extra,
  },
})

function liveTraining(epochs: number) {
  events.reset()
  const view = foldJobEvents('client0-9', [
    events.stage('training'),
    ...Array.from({ length: epochs }, (_, i) => events.epoch(i + 1, 5, 1 - i / 10)),
  ])
  return renderWithStore(<TrainingScreen />, {
    selectedClient: 'client0',
    live: { client: 'client0', view },
    runs: [summary('client0-9', 'client0', 'training', '2024-05-01T09:00:00.000Z')],
  })
}

describe('Stop', () => {
  it('asks first, says the run can be resumed, and stops only when confirmed', async () => {
    const { api } = liveTraining(2)
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }))
    const dialog = screen.getByRole('dialog', { name: 'Stop training?' })
    expect(dialog.textContent).toMatch(/checkpoint of epoch 2: you can resume it later/)
    // The safe answer has the focus, and neither it nor Escape stops anything.
    expect(document.activeElement?.textContent).toBe('Keep training')
    fireEvent.click(within(dialog).getByRole('button', { name: 'Keep training' }))
    expect(screen.queryByRole('dialog')).toBeNull()
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }))
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' })
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(api.calls).not.toContain('stopTraining:client0')

    fireEvent.click(screen.getByRole('button', { name: 'Stop' }))
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Stop training' }))
    })
    expect(api.calls).toContain('stopTraining:client0')
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  it('says the run will be discarded before its first epoch has finished', () => {
    liveTraining(0)
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }))
    expect(screen.getByRole('dialog').textContent).toMatch(
      /No checkpoint exists yet \(no epoch has finished\).*will be discarded/,
    )
  })
})

describe('Resume', () => {
  it('resumes an interrupted run from the training screen', async () => {
    const result = interrupted('client0-9', { resumable: true, checkpointEpoch: 3 }).result
    const view = { ...foldJobEvents('client0-9', []), state: 'interrupted' as const, result }
    const { api } = renderWithStore(<TrainingScreen />, {
      selectedClient: 'client0',
      live: { client: 'client0', view },
    })
    expect(screen.getByText(/Stopped after epoch 3/)).toBeTruthy()
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Resume' }))
    })
    expect(api.started.at(-1)).toMatchObject({ client: 'client0', resume: 'client0-9', params: {} })
  })

  it('offers Resume in the runs list only for runs with a checkpoint not yet continued', async () => {
    const continued = interrupted('client0-1', { resumable: true, checkpointEpoch: 2 })
    const { api } = renderWithStore(<RunsScreen />, {
      selectedClient: 'client0',
      runs: [
        {
          ...summary('client0-3', 'client0', 'queued', '2024-05-01T11:00:00.000Z'),
          resumeOf: 'client0-1',
        },
        interrupted('client0-2', { resumable: true, checkpointEpoch: 4 }),
        continued,
        interrupted('client0-0'),
      ],
      runsLoad: READY,
    })
    const buttons = screen.getAllByRole('button', { name: /^Resume run/ })
    expect(buttons.map((b) => b.getAttribute('aria-label'))).toEqual([
      'Resume run client0-2 from epoch 4',
    ])
    await act(async () => {
      fireEvent.click(buttons[0] as HTMLElement)
    })
    expect(api.started.at(-1)).toMatchObject({ resume: 'client0-2' })
  })
})
