// The store over a fake transport: selecting a client, following a live job to its end, and
// reporting failures with their codes.

import { beforeEach, describe, expect, it } from 'vitest'
import type { ClientSummary } from '../../src-shared/http-api'
import type { JobResult } from '../../src-shared/job-events'
import { createAppStore, type AppStore } from '../../src-renderer/store/app-store'
import { dataset, events, FakeApi, summary } from './fake-api'

const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

describe('app store', () => {
  let api: FakeApi
  let store: AppStore

  beforeEach(() => {
    events.reset()
    api = new FakeApi()
    api.datasets.set(
      'client0',
      dataset('client0', [
        ['a.jpg', 'cat'],
        ['b.jpg', 'dog'],
        ['c.jpg', 'dog'],
      ]),
    )
    store = createAppStore(api)
  })

  it('loads clients with the counts the list carries, reading no dataset', async () => {
    api.clients[0] = {
      ...(api.clients[0] as ClientSummary),
      dataset: { images: 3, classes: 2, skippedImages: 0, empty: false },
    }
    await store.getState().loadClients()
    const rows = store.getState().clients
    expect(rows.map((r) => r.summary.client)).toEqual(['client0', 'client1'])
    expect(rows[0]?.summary.dataset).toEqual({
      images: 3,
      classes: 2,
      skippedImages: 0,
      empty: false,
    })
    expect(api.calls.filter((call) => call.startsWith('getDataset'))).toEqual([])
  })

  it('selecting a client loads its dataset, runs and model files, and follows its running job', async () => {
    api.jobs = [
      summary('client0-2', 'client0', 'training', '2024-05-02T09:00:00.000Z'),
      summary('client0-1', 'client0', 'done', '2024-05-01T09:00:00.000Z'),
    ]
    store.getState().selectClient('client0')
    await settle()
    const state = store.getState()
    expect(state.dataset?.images).toHaveLength(3)
    expect(state.runs.map((r) => r.id)).toEqual(['client0-2', 'client0-1'])
    expect(state.modelFiles).toEqual(api.models)
    expect(state.live?.view.jobId).toBe('client0-2')
    expect(api.listeners('client0-2')).toBe(1)
  })

  it('starts the form on the train type the client list gives the client', async () => {
    api.clients.push({
      client: 'client2',
      datasetBucket: 'training-server-client2',
      modelBucket: 'training-server-model-client2',
      trainType: 'obj_detection',
    })
    await store.getState().loadClients()
    store.getState().selectClient('client2')
    expect(store.getState().trainType).toBe('obj_detection')
    await settle()
    store.getState().selectClient('client0')
    // No hint: the form keeps the type it had.
    expect(store.getState().trainType).toBe('obj_detection')
  })

  it('ignores a dataset that arrives after another client was picked', async () => {
    let open: () => void = () => undefined
    api.datasetGates.set('client0', new Promise((resolve) => (open = resolve)))
    store.getState().selectClient('client0')
    store.getState().selectClient('client1')
    await settle()
    expect(store.getState().dataset?.client).toBe('client1')
    open()
    await settle()
    expect(store.getState().dataset?.client).toBe('client1')
  })

  it('starts training with the checked parameters and draws the job as its events arrive', async () => {
    store.getState().selectClient('client0')
    await settle()
    store.getState().setParam('epochs', '3')
    await store.getState().startTraining()
    expect(api.started[0]).toMatchObject({
      client: 'client0',
      trainType: 'classification',
      params: { epochs: 3 },
    })
    const jobId = 'client0-new'
    expect(api.listeners(jobId)).toBe(1)

    api.emit(jobId, events.stage('training'))
    api.emit(jobId, events.epoch(1, 3, 1.0))
    api.emit(jobId, events.epoch(2, 3, 0.6))
    expect(store.getState().live?.view.state).toBe('training')
    expect(store.getState().live?.view.epochs.map((e) => e.loss)).toEqual([1.0, 0.6])
  })

  it('refuses to start with parameters out of range', async () => {
    store.getState().selectClient('client0')
    store.getState().setParam('epochs', '9999')
    await store.getState().startTraining()
    expect(api.started).toHaveLength(0)
  })

  it('when the job ends, refreshes what it changed and opens it on the results screen', async () => {
    store.getState().selectClient('client0')
    await settle()
    await store.getState().startTraining()
    const jobId = 'client0-new'
    api.calls = []
    const result = {
      jobId,
      client: 'client0',
      state: 'done',
      Training: 'Succesfull',
      Storing: 'Succesfull',
      timings: { training: 1000 },
    } as JobResult
    api.emit(jobId, events.stage('done'))
    api.emit(jobId, { type: 'result', seq: 99, at: new Date().toISOString(), result })
    await settle()
    expect(api.calls).toEqual(
      expect.arrayContaining([
        'listJobs:client0',
        'listModelFiles:client0',
        'getDataset:client0',
        'listClients',
      ]),
    )
    expect(store.getState().openedRun?.view.result).toEqual(result)
  })

  it('stops following a job when another client is picked', async () => {
    api.jobs = [summary('client0-2', 'client0', 'training', '2024-05-02T09:00:00.000Z')]
    store.getState().selectClient('client0')
    await settle()
    expect(api.listeners('client0-2')).toBe(1)
    store.getState().selectClient('client1')
    expect(api.listeners('client0-2')).toBe(0)
    expect(store.getState().live).toBeUndefined()
  })

  it('reports a failed action with the error code', async () => {
    api.failures.set('syncDataset:client0', {
      code: 'CLIENT_BUSY',
      message: 'client client0 has a job running',
    })
    store.getState().selectClient('client0')
    await store.getState().syncDataset()
    expect(store.getState().notice).toMatchObject({
      kind: 'error',
      title: 'Sync of client0 failed',
      error: { code: 'CLIENT_BUSY' },
    })
    expect(store.getState().syncing).toBe(false)
  })

  it('reopens a past run with its curves rebuilt from its log', async () => {
    api.jobs = [summary('client0-1', 'client0', 'interrupted', '2024-05-01T09:00:00.000Z')]
    api.records.set('client0-1', {
      ...summary('client0-1', 'client0', 'interrupted', '2024-05-01T09:00:00.000Z'),
      events: [events.stage('training'), events.epoch(1, 3, 0.9), events.stage('interrupted')],
    })
    store.getState().selectClient('client0')
    await store.getState().openRun('client0-1')
    expect(store.getState().openedRun?.view.state).toBe('interrupted')
    expect(store.getState().openedRun?.view.epochs).toHaveLength(1)
  })
})
