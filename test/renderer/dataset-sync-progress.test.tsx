// @vitest-environment jsdom
// The dataset screen while a sync runs: the files and bytes so far as a labelled progress bar,
// then "Validating…", observed only for as long as the sync runs.

import { act, cleanup, fireEvent, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { DatasetScreen } from '../../src-renderer/screens/dataset-screen'
import { READY } from '../../src-renderer/store/store-types'
import { FakeApi } from './fake-api'
import { renderWithStore } from './render-app'

afterEach(cleanup)

describe('dataset screen sync progress', () => {
  it('shows files done / total and bytes while syncing, then validating, and unsubscribes after', async () => {
    const api = new FakeApi()
    let finish = (): void => undefined
    api.syncGates.set('client0', new Promise<void>((resolve) => (finish = resolve)))
    renderWithStore(
      <DatasetScreen />,
      {
        selectedClient: 'client0',
        dataset: { client: 'client0', synced: false, images: [], classes: [] },
        datasetLoad: READY,
      },
      api,
    )
    expect(screen.queryByRole('progressbar')).toBeNull()

    const [sync] = screen.getAllByRole('button', { name: 'Sync' })
    await act(async () => {
      fireEvent.click(sync as HTMLElement)
    })
    expect(api.syncListeners('client0')).toBe(1)
    // Before the first count the bar is busy, not at 0 %.
    expect(screen.getByRole('progressbar', { name: 'Sync' }).getAttribute('aria-valuenow')).toBe(
      null,
    )

    act(() =>
      api.emitSync({
        client: 'client0',
        stage: 'syncing',
        filesDone: 120,
        filesTotal: 480,
        bytesDone: 2 * 1024 * 1024,
        bytesTotal: 8 * 1024 * 1024,
      }),
    )
    expect(screen.getByText(/120 \/ 480 files/)).toBeTruthy()
    const bar = screen.getByRole('progressbar', { name: 'Sync' })
    expect(bar.getAttribute('aria-valuenow')).toBe('25')
    expect(bar.getAttribute('aria-valuetext')).toMatch(/^25%, 120 \/ 480 files · .+ \/ .+/)

    // Another client's progress is not this sync's.
    act(() =>
      api.emitSync({
        client: 'client1',
        stage: 'syncing',
        filesDone: 1,
        filesTotal: 2,
        bytesDone: 1,
        bytesTotal: 2,
      }),
    )
    expect(screen.getByText(/120 \/ 480 files/)).toBeTruthy()

    act(() => api.emitSync({ client: 'client0', stage: 'validating' }))
    expect(screen.getByText('Validating…')).toBeTruthy()
    expect(screen.getByRole('progressbar', { name: 'Sync' })).toBeTruthy()

    await act(async () => {
      finish()
    })
    expect(api.syncListeners('client0')).toBe(0)
    expect(screen.queryByRole('progressbar')).toBeNull()
    expect(screen.queryByText('Validating…')).toBeNull()
  })

  it('unsubscribes when the sync fails too', async () => {
    const api = new FakeApi()
    api.failures.set('syncDataset:client0', { code: 'S3_UNREACHABLE', message: 'no store' })
    const { store } = renderWithStore(
      <DatasetScreen />,
      {
        selectedClient: 'client0',
        dataset: { client: 'client0', synced: false, images: [], classes: [] },
        datasetLoad: READY,
      },
      api,
    )
    await act(() => store.getState().syncDataset())
    expect(api.calls).toContain('onSyncProgress:client0')
    expect(api.syncListeners('client0')).toBe(0)
    expect(store.getState().syncProgress).toBeUndefined()
  })
})
