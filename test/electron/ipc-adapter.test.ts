// The IPC adapter against a fake ipcMain and a fake service: who may call, where each request
// goes, how errors come back, and how job-event and sync-progress forwarding starts and stops.

import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { JobEvent, JobSummary } from '../../src-shared/job-events'
import type { SyncProgress } from '../../src-shared/sync-progress'
import { AppFailure, appError } from '../../src-shared/errors'
import {
  JOB_EVENT_CHANNEL,
  REQUEST_CHANNEL_NAMES,
  SYNC_PROGRESS_CHANNEL,
  requestChannelId,
  type IpcOutcome,
} from '../../src-shared/ipc-contract'

// The real module throws outside Electron; the adapter never needs it when given a fake ipcMain.
vi.mock('electron', () => ({ ipcMain: {} }))

const { createTypedIpcMain, TrustedSenders } = await import('../../src-main/electron/ipc-main')
const { registerIpcApi } = await import('../../src-main/electron/ipc-adapter')
type MainApi = import('../../src-main/electron/ipc-adapter').MainApi
type IpcInvokeEvent = import('../../src-main/electron/ipc-main').IpcInvokeEvent

const PAGE = 'file:///app/out/renderer/index.html'

class FakeIpcMain {
  readonly handlers = new Map<string, (event: IpcInvokeEvent, ...args: unknown[]) => unknown>()
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`)
    this.handlers.set(channel, listener)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
  async invoke(
    event: IpcInvokeEvent,
    channel: string,
    ...args: unknown[]
  ): Promise<IpcOutcome<unknown>> {
    const handler = this.handlers.get(requestChannelId(channel as never))
    if (!handler) throw new Error(`no handler for ${channel}`)
    return (await handler(event, ...args)) as IpcOutcome<unknown>
  }
}

class FakeSender {
  readonly sent: { channel: string; payload: unknown }[] = []
  destroyed = false
  private onDestroyed: (() => void)[] = []
  constructor(readonly id: number) {}
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload })
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  once(_event: 'destroyed', listener: () => void): void {
    this.onDestroyed.push(listener)
  }
  destroy(): void {
    this.destroyed = true
    for (const listener of this.onDestroyed.splice(0)) listener()
  }
}

/** A job's events (or a client's sync progress) the test emits by hand; records who listens. */
class FakeFeed<T> {
  readonly listeners = new Map<string, Set<(event: T) => void>>()
  subscribe(key: string, listener: (event: T) => void): () => void {
    const set = this.listeners.get(key) ?? new Set()
    set.add(listener)
    this.listeners.set(key, set)
    return () => set.delete(listener)
  }
  emit(key: string, event: T): void {
    for (const listener of this.listeners.get(key) ?? []) listener(event)
  }
  count(key: string): number {
    return this.listeners.get(key)?.size ?? 0
  }
}
class FakeJobEvents extends FakeFeed<JobEvent> {}
const syncFeed = new FakeFeed<SyncProgress>()

function syncStep(client: string, filesDone: number): SyncProgress {
  return {
    client,
    stage: 'syncing',
    filesDone,
    filesTotal: 10,
    bytesDone: filesDone * 100,
    bytesTotal: 1000,
  }
}

function stageEvent(seq: number): JobEvent {
  return { type: 'stage', seq, at: new Date(0).toISOString(), state: 'training' }
}

function fakeApi(events: FakeJobEvents) {
  const summary = { id: 'client0-1', client: 'client0', state: 'queued' } as JobSummary
  const api: MainApi = {
    health: vi.fn(async () => ({}) as never),
    listWorkers: vi.fn(async () => ({ distributed: false, workers: [] })),
    listClients: vi.fn(async () => [
      {
        client: 'client0',
        datasetBucket: 'training-server-client0',
        modelBucket: 'training-server-model-client0',
      },
    ]),
    getDataset: vi.fn(async (client: string) => ({
      client,
      synced: false,
      images: [],
      classes: [],
    })),
    getTrainDefaults: vi.fn(async (client: string) => ({
      client,
      trainType: 'classification' as const,
      basis: 'not-synced' as const,
      params: {},
    })),
    syncDataset: vi.fn(async (client: string) => {
      throw new AppFailure(
        appError('CLIENT_BUSY', `client ${client} has a job running`, { file: 'x.jpg' }),
      )
    }),
    listJobs: vi.fn(async () => [summary]),
    getJob: vi.fn(async () => ({ ...summary, events: [] })),
    startTraining: vi.fn(async () => summary),
    stopTraining: vi.fn(async () => undefined),
    listModelFiles: vi.fn(async () => [{ key: 'model.h5', bytes: 10 }]),
    predict: vi.fn(async () => ({
      model: { bucket: 'training-server-model-client0', etag: 'e1' },
      predictions: [{ category_id: 3, category: 'circle', score: 0.9 }],
    })),
    listModelVersions: vi.fn(async () => []),
    promoteModelVersion: vi.fn(async () => []),
    onJobEvent: vi.fn((jobId: string, listener: (event: JobEvent) => void) =>
      events.subscribe(jobId, listener),
    ),
    onSyncProgress: vi.fn((client: string, listener: (progress: SyncProgress) => void) =>
      syncFeed.subscribe(client, listener),
    ),
    getSettings: vi.fn(async () => ({}) as never),
    saveSettings: vi.fn(async () => {
      throw new AppFailure(appError('INVALID_SETTING', 'Port is wrong', { field: 'port' }))
    }),
    testConnection: vi.fn(async () => ({}) as never),
  }
  return api
}

describe('IPC adapter', () => {
  let ipc: FakeIpcMain
  let trusted: InstanceType<typeof TrustedSenders>
  let events: FakeJobEvents
  let api: MainApi
  let window: FakeSender
  let registration: ReturnType<typeof registerIpcApi>
  const from = (sender: FakeSender, url = PAGE): IpcInvokeEvent => ({
    sender,
    senderFrame: { url },
  })

  beforeEach(() => {
    ipc = new FakeIpcMain()
    trusted = new TrustedSenders()
    events = new FakeJobEvents()
    api = fakeApi(events)
    window = new FakeSender(1)
    trusted.trust(window, (url) => url.startsWith('file:///app/out/renderer/'))
    registration = registerIpcApi(createTypedIpcMain(trusted, ipc), api)
  })

  it('registers exactly the contract channels', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(
      REQUEST_CHANNEL_NAMES.map(requestChannelId).sort(),
    )
  })

  it('refuses an unknown window, and a trusted window that navigated away, without calling the service', async () => {
    const stranger = new FakeSender(2)
    const refused = await ipc.invoke(from(stranger), 'listClients')
    expect(refused).toMatchObject({ ok: false, error: { code: 'IPC_UNTRUSTED_SENDER' } })
    const navigated = await ipc.invoke(from(window, 'https://example.com/'), 'listClients')
    expect(navigated).toMatchObject({ ok: false, error: { code: 'IPC_UNTRUSTED_SENDER' } })
    const noFrame = await ipc.invoke({ sender: window, senderFrame: null }, 'listClients')
    expect(noFrame.ok).toBe(false)
    expect(api.listClients).not.toHaveBeenCalled()
  })

  it('stops trusting a window once it is destroyed', async () => {
    window.destroy()
    const outcome = await ipc.invoke(from(window), 'listClients')
    expect(outcome).toMatchObject({ ok: false, error: { code: 'IPC_UNTRUSTED_SENDER' } })
  })

  it('routes a request to the service with its arguments and returns the value', async () => {
    const outcome = await ipc.invoke(from(window), 'getDataset', 'client0')
    expect(api.getDataset).toHaveBeenCalledWith('client0')
    expect(outcome).toEqual({
      ok: true,
      value: { client: 'client0', synced: false, images: [], classes: [] },
    })
    const files = await ipc.invoke(from(window), 'listModelFiles', 'client0')
    expect(files).toEqual({ ok: true, value: [{ key: 'model.h5', bytes: 10 }] })
  })

  it('routes the versions channels and passes the promote option on', async () => {
    await ipc.invoke(from(window), 'listModelVersions', 'client0')
    expect(api.listModelVersions).toHaveBeenCalledWith('client0')
    await ipc.invoke(from(window), 'promoteModelVersion', 'client0', 'client0-1')
    expect(api.promoteModelVersion).toHaveBeenCalledWith('client0', 'client0-1')
    const bad = await ipc.invoke(from(window), 'promoteModelVersion', 'client0', 7)
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_ARGUMENT', field: 'jobId' },
    })
    await ipc.invoke(from(window), 'startTraining', {
      client: 'client0',
      trainType: 'classification',
      params: {},
      promote: 'never',
    })
    expect(api.startTraining).toHaveBeenCalledWith(expect.objectContaining({ promote: 'never' }))
  })

  it('returns a service failure as an error value with its code and location', async () => {
    const outcome = await ipc.invoke(from(window), 'syncDataset', 'client0')
    expect(outcome).toEqual({
      ok: false,
      error: { code: 'CLIENT_BUSY', message: 'client client0 has a job running', file: 'x.jpg' },
    })
  })

  it('checks argument shapes before they reach the service', async () => {
    const outcome = await ipc.invoke(from(window), 'getDataset', { client: 'client0' })
    expect(outcome).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_ARGUMENT', field: 'client' },
    })
    const start = await ipc.invoke(from(window), 'startTraining', null)
    expect(start).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_ARGUMENT' } })
    expect(api.getDataset).not.toHaveBeenCalled()
    expect(api.startTraining).not.toHaveBeenCalled()
  })

  it('passes the run to resume on to the service', async () => {
    const request = { client: 'client0', trainType: 'classification', params: {} }
    await ipc.invoke(from(window), 'startTraining', { ...request, resume: 'client0-1' })
    expect(api.startTraining).toHaveBeenCalledWith({ ...request, resume: 'client0-1' })
    const bad = await ipc.invoke(from(window), 'startTraining', { ...request, resume: 7 })
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_ARGUMENT', field: 'resume' },
    })
  })

  it("passes an image's bytes to predict, and refuses anything that is not bytes", async () => {
    const image = new Uint8Array([255, 216, 255])
    const outcome = await ipc.invoke(from(window), 'predict', 'client0', image, 'image/jpeg', 3)
    expect(api.predict).toHaveBeenCalledWith('client0', image, 'image/jpeg', 3)
    expect(outcome).toMatchObject({ ok: true, value: { predictions: [{ category_id: 3 }] } })
    const notBytes = await ipc.invoke(from(window), 'predict', 'client0', 'abc', 'image/jpeg')
    expect(notBytes).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_ARGUMENT', field: 'image' },
    })
    expect(api.predict).toHaveBeenCalledTimes(1)
  })

  it('hands settings to the service as sent, and returns its field errors as values', async () => {
    const values = { port: 'eighty' }
    const saved = await ipc.invoke(from(window), 'saveSettings', values)
    expect(api.saveSettings).toHaveBeenCalledWith(values)
    expect(saved).toEqual({
      ok: false,
      error: { code: 'INVALID_SETTING', message: 'Port is wrong', field: 'port' },
    })
    await ipc.invoke(from(window), 'testConnection', values)
    expect(api.testConnection).toHaveBeenCalledWith(values)
    const stranger = new FakeSender(9)
    const refused = await ipc.invoke(from(stranger), 'saveSettings', values)
    expect(refused).toMatchObject({ ok: false, error: { code: 'IPC_UNTRUSTED_SENDER' } })
    expect(api.saveSettings).toHaveBeenCalledTimes(1)
  })

  it('passes a training request through', async () => {
    const request = { client: 'client0', trainType: 'classification', params: { epochs: 2 } }
    const outcome = await ipc.invoke(from(window), 'startTraining', request)
    expect(outcome.ok).toBe(true)
    expect(api.startTraining).toHaveBeenCalledWith(request)
  })

  it('forwards job events to the subscribing window until it unsubscribes', async () => {
    await ipc.invoke(from(window), 'subscribeJobEvents', 'job-a', 's1')
    expect(events.count('job-a')).toBe(1)
    expect(registration.subscriptionCount()).toBe(1)
    events.emit('job-a', stageEvent(0))
    expect(window.sent).toEqual([
      { channel: JOB_EVENT_CHANNEL, payload: { subscriptionId: 's1', event: stageEvent(0) } },
    ])

    await ipc.invoke(from(window), 'unsubscribeJobEvents', 's1')
    expect(events.count('job-a')).toBe(0)
    expect(registration.subscriptionCount()).toBe(0)
    events.emit('job-a', stageEvent(1))
    expect(window.sent).toHaveLength(1)
  })

  it('keeps one forwarding per subscription id, and refuses subscriptions from untrusted pages', async () => {
    await ipc.invoke(from(window), 'subscribeJobEvents', 'job-a', 's1')
    await ipc.invoke(from(window), 'subscribeJobEvents', 'job-a', 's1')
    expect(events.count('job-a')).toBe(1)
    const stranger = new FakeSender(7)
    const refused = await ipc.invoke(from(stranger), 'subscribeJobEvents', 'job-a', 's1')
    expect(refused.ok).toBe(false)
    expect(events.count('job-a')).toBe(1)
  })

  it('drops the forwardings of a window that closes without unsubscribing', async () => {
    await ipc.invoke(from(window), 'subscribeJobEvents', 'job-a', 's1')
    await ipc.invoke(from(window), 'subscribeJobEvents', 'job-b', 's2')
    expect(registration.subscriptionCount()).toBe(2)
    window.destroy()
    expect(registration.subscriptionCount()).toBe(0)
    expect(events.count('job-a') + events.count('job-b')).toBe(0)
  })

  it('forwards sync progress to the subscribing window until it unsubscribes', async () => {
    syncFeed.listeners.clear()
    await ipc.invoke(from(window), 'subscribeSyncProgress', 'client0', 's1')
    // The same id on the job-event channel is another forwarding, not this one.
    await ipc.invoke(from(window), 'subscribeJobEvents', 'job-a', 's1')
    expect(api.onSyncProgress).toHaveBeenCalledWith('client0', expect.any(Function))
    expect(syncFeed.count('client0')).toBe(1)
    expect(registration.subscriptionCount()).toBe(2)
    syncFeed.emit('client0', syncStep('client0', 3))
    syncFeed.emit('client0', { client: 'client0', stage: 'validating' })
    expect(window.sent).toEqual([
      {
        channel: SYNC_PROGRESS_CHANNEL,
        payload: { subscriptionId: 's1', progress: syncStep('client0', 3) },
      },
      {
        channel: SYNC_PROGRESS_CHANNEL,
        payload: { subscriptionId: 's1', progress: { client: 'client0', stage: 'validating' } },
      },
    ])

    await ipc.invoke(from(window), 'unsubscribeSyncProgress', 's1')
    expect(syncFeed.count('client0')).toBe(0)
    expect(events.count('job-a')).toBe(1)
    syncFeed.emit('client0', syncStep('client0', 4))
    expect(window.sent).toHaveLength(2)
  })

  it('checks the sync subscription, and drops it with a window that closes', async () => {
    syncFeed.listeners.clear()
    const bad = await ipc.invoke(from(window), 'subscribeSyncProgress', 7, 's1')
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'IPC_INVALID_ARGUMENT', field: 'client' },
    })
    const stranger = new FakeSender(7)
    const refused = await ipc.invoke(from(stranger), 'subscribeSyncProgress', 'client0', 's1')
    expect(refused.ok).toBe(false)
    expect(syncFeed.count('client0')).toBe(0)
    await ipc.invoke(from(window), 'subscribeSyncProgress', 'client0', 's2')
    window.destroy()
    expect(syncFeed.count('client0')).toBe(0)
    expect(registration.subscriptionCount()).toBe(0)
  })

  it('dispose removes every handler and ends every forwarding', async () => {
    await ipc.invoke(from(window), 'subscribeJobEvents', 'job-a', 's1')
    registration.dispose()
    expect(ipc.handlers.size).toBe(0)
    expect(events.count('job-a')).toBe(0)
  })
})
