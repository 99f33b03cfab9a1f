// @vitest-environment jsdom
// The fleet in the UI: the settings screen lists the workers (host, backend, threads, the job
// each runs) in distributed mode and says there is no fleet on one machine; the runs list says
// which worker ran each job.

import { act, cleanup, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { FleetWorkersPanel } from '../../src-renderer/components/fleet-workers-panel'
import { RunsScreen } from '../../src-renderer/screens/runs-screen'
import { READY } from '../../src-renderer/store/store-types'
import { FakeApi, summary } from './fake-api'
import { renderWithStore } from './render-app'

afterEach(cleanup)

const settle = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)))

describe('the fleet in the UI', () => {
  it('lists each worker with its backend, threads and current job', async () => {
    const api = new FakeApi()
    api.workers = {
      distributed: true,
      workers: [
        {
          id: 'gpu-box-41-a1',
          host: 'gpu-box',
          pid: 41,
          backend: 'wasm',
          threads: 2,
          job: { id: 'client3-7', client: 'client3', state: 'training' },
          startedAt: '2026-12-01T10:00:00.000Z',
          lockRenewals: 12,
          updatedAt: '2026-12-01T10:05:00.000Z',
        },
        {
          id: 'laptop-9-b2',
          host: 'laptop',
          pid: 9,
          backend: 'pending',
          threads: 4,
          startedAt: '2026-12-01T10:01:00.000Z',
          lockRenewals: 0,
          updatedAt: '2026-12-01T10:05:01.000Z',
        },
      ],
    }
    renderWithStore(<FleetWorkersPanel />, {}, api)
    await settle()
    const rows = within(screen.getByRole('table')).getAllByRole('row').slice(1)
    expect(rows.map((row) => row.textContent)).toEqual([
      expect.stringMatching(/gpu-box.*wasm2client3 · training \(client3-7\)/),
      expect.stringMatching(/laptop.*pending4idle/),
    ])
    expect(api.calls).toContain('listWorkers')
  })

  it('says there is no fleet on one machine', async () => {
    renderWithStore(<FleetWorkersPanel />)
    await settle()
    expect(screen.getByText(/One machine: jobs run here/)).toBeTruthy()
    expect(screen.queryByRole('table')).toBeNull()
  })

  it('names the worker that ran each job in the runs list', () => {
    renderWithStore(<RunsScreen />, {
      selectedClient: 'client0',
      runs: [
        { ...summary('client0-2', 'client0', 'done', '2024-05-01T10:00:00.000Z'), worker: 'w-1' },
        summary('client0-1', 'client0', 'done', '2024-05-01T09:00:00.000Z'),
      ],
      runsLoad: READY,
    })
    expect(screen.getAllByText(/^on w-1$/)).toHaveLength(1)
  })
})
