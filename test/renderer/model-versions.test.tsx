// @vitest-environment jsdom
// The versions list on the results screen: one row per kept run with its date, scores and whether
// it is the promoted one; Promote makes another version the stored model; a failed promotion is
// shown; and a run's result says whether it was promoted and why.

import { cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { ModelVersion } from '../../src-shared/model-versions'
import type { JobResult } from '../../src-shared/job-events'
import { appError } from '../../src-shared/errors'
import { foldJobEvents } from '../../src-renderer/jobs/job-view'
import { ResultsScreen } from '../../src-renderer/screens/results-screen'
import { READY } from '../../src-renderer/store/store-types'
import { FakeApi, summary } from './fake-api'
import { renderWithStore } from './render-app'

afterEach(cleanup)

function version(jobId: string, accuracy: number, promoted: boolean): ModelVersion {
  const prefix = `runs/${jobId}/`
  return {
    jobId,
    prefix,
    storedAt: '2024-05-02T09:00:00.000Z',
    promoted,
    files: [
      { key: `${prefix}model.h5`, bytes: 1000 },
      { key: `${prefix}metrics.json`, bytes: 100 },
    ],
    metrics: {
      finalValAccuracy: accuracy,
      finalValLoss: 1 - accuracy,
      trainImages: 20,
      valImages: 6,
      epochs: 3,
    },
  }
}

function showResults(api: FakeApi, result?: Partial<JobResult>) {
  const run = summary('client0-2', 'client0', 'done', '2024-05-02T09:00:00.000Z')
  const full: JobResult = {
    jobId: 'client0-2',
    client: 'client0',
    state: 'done',
    Training: 'Succesfull',
    Storing: 'Succesfull',
    timings: {},
    ...result,
  }
  return renderWithStore(
    <ResultsScreen />,
    {
      selectedClient: 'client0',
      openedRun: {
        summary: { ...run, result: full },
        view: { ...foldJobEvents('client0-2', []), state: 'done', result: full },
      },
      openedRunLoad: READY,
      modelFilesLoad: READY,
    },
    api,
  )
}

const rows = async () => {
  const table = await screen.findByRole('table', { name: 'Model versions of client0' })
  return within(table).getAllByRole('row').slice(1)
}

describe('model versions on the results screen', () => {
  it('lists every version with its scores and marks the promoted one', async () => {
    const api = new FakeApi()
    api.versions = [version('client0-2', 0.5, false), version('client0-1', 1, true)]
    showResults(api)
    const [newer, older] = await rows()
    expect(within(newer!).getAllByRole('cell')[0]?.textContent).toBe('client0-2')
    expect(within(newer!).getAllByRole('cell')[2]?.textContent).toBe('50.0%')
    expect(within(newer!).getByRole('button', { name: 'Promote client0-2' })).toBeTruthy()
    expect(within(older!).getByText('Promoted')).toBeTruthy()
    expect(within(older!).queryByRole('button')).toBeNull()
    expect(api.calls).toContain('listModelVersions:client0')
    const link = within(newer!).getByRole('link', { name: 'Download model.h5 of client0-2' })
    expect(link.getAttribute('href')).toBe('model://client0/runs/client0-2/model.h5')
  })

  it('scores a segmenter’s version by its mask mAP@.5, a detector’s by its mAP@.5', async () => {
    const api = new FakeApi()
    const object = (jobId: string, task: 'obj_detection' | 'instance_segmentation') => {
      const { finalValAccuracy: _accuracy, ...metrics } = version(jobId, 0, false).metrics ?? {
        finalValLoss: 0,
        trainImages: 0,
        valImages: 0,
        epochs: 0,
      }
      return { ...version(jobId, 0, false), metrics: { ...metrics, task, finalValMap50: 0.871 } }
    }
    api.versions = [
      object('client0-2', 'instance_segmentation'),
      object('client0-1', 'obj_detection'),
    ]
    showResults(api)
    const [segmenter, detector] = await rows()
    expect(within(segmenter!).getAllByRole('cell')[2]?.textContent).toBe('mask mAP@.5 0.871')
    expect(within(detector!).getAllByRole('cell')[2]?.textContent).toBe('mAP@.5 0.871')
  })

  it('promotes a version and shows the list the server answers', async () => {
    const api = new FakeApi()
    api.versions = [version('client0-2', 0.5, false), version('client0-1', 1, true)]
    showResults(api)
    fireEvent.click(await screen.findByRole('button', { name: 'Promote client0-2' }))
    expect(await screen.findByRole('button', { name: 'Promote client0-1' })).toBeTruthy()
    expect(api.calls).toContain('promoteModelVersion:client0:client0-2')
    const [newer] = await rows()
    expect(within(newer!).getByText('Promoted')).toBeTruthy()
  })

  it('shows why a promotion failed', async () => {
    const api = new FakeApi()
    api.versions = [version('client0-2', 0.5, false)]
    api.failures.set(
      'promoteModelVersion:client0:client0-2',
      appError('CLIENT_BUSY', 'client client0 has a job running'),
    )
    showResults(api)
    fireEvent.click(await screen.findByRole('button', { name: 'Promote client0-2' }))
    expect((await screen.findByRole('alert')).textContent).toContain('CLIENT_BUSY')
  })

  it('says when no run stored a version yet', async () => {
    showResults(new FakeApi())
    expect(
      await screen.findByText('No run of client0 has stored a model version yet.'),
    ).toBeTruthy()
  })

  it("says in the run's result that it was not promoted, and why", async () => {
    const api = new FakeApi()
    showResults(api, {
      promoted: false,
      promotion: {
        reason: 'worse than the stored model on the same validation images (50.0% < 100.0%)',
        new: { valAccuracy: 0.5, valLoss: 0.7 },
      },
    })
    expect(
      await screen.findByText(
        'Not promoted: worse than the stored model on the same validation images (50.0% < 100.0%)',
      ),
    ).toBeTruthy()
  })
})
