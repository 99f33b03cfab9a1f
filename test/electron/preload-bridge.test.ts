// The preload bridge's sync progress subscription over a stand-in ipcRenderer: it listens before
// it subscribes, hears only its own subscription, and stops listening when unsubscribed.

import { describe, expect, it } from 'vitest'
import {
  createPreloadBridge,
  type IpcRendererListener,
  type IpcRendererPort,
} from '../../src-main/electron/preload-bridge'
import { SYNC_PROGRESS_CHANNEL, requestChannelId } from '../../src-shared/ipc-contract'
import type { SyncProgress } from '../../src-shared/sync-progress'

function fakeIpcRenderer() {
  const listeners = new Map<string, Set<IpcRendererListener>>()
  const invoked: unknown[][] = []
  const port: IpcRendererPort = {
    async invoke(channel, ...args) {
      // By the time the main process answers, the bridge must already be listening.
      invoked.push([channel, ...args, listeners.get(SYNC_PROGRESS_CHANNEL)?.size ?? 0])
      return { ok: true, value: undefined }
    },
    on(channel, listener) {
      const set = listeners.get(channel) ?? new Set()
      set.add(listener)
      listeners.set(channel, set)
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener)
    },
  }
  const deliver = (message: unknown) => {
    for (const listener of [...(listeners.get(SYNC_PROGRESS_CHANNEL) ?? [])]) listener({}, message)
  }
  const count = () => listeners.get(SYNC_PROGRESS_CHANNEL)?.size ?? 0
  return { port, invoked, deliver, count }
}

describe('preload bridge sync progress', () => {
  it('forwards the steps of its own subscription until unsubscribed', async () => {
    const ipc = fakeIpcRenderer()
    const bridge = createPreloadBridge(ipc.port)
    const seen: SyncProgress[] = []
    const stop = bridge.onSyncProgress('client0', (p) => seen.push(p))
    expect(ipc.invoked).toEqual([
      [requestChannelId('subscribeSyncProgress'), 'client0', 'sync1', 1],
    ])
    const step: SyncProgress = { client: 'client0', stage: 'validating' }
    ipc.deliver({ subscriptionId: 'sync1', progress: step })
    ipc.deliver({ subscriptionId: 'sync9', progress: { client: 'other', stage: 'validating' } })
    expect(seen).toEqual([step])
    stop()
    expect(ipc.count()).toBe(0)
    expect(ipc.invoked.at(-1)?.slice(0, 2)).toEqual([
      requestChannelId('unsubscribeSyncProgress'),
      'sync1',
    ])
    ipc.deliver({ subscriptionId: 'sync1', progress: step })
    expect(seen).toHaveLength(1)
  })
})
