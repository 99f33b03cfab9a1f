// Bundled into the UI tests' page before the app's scripts: the preload's real bridge
// (createPreloadBridge) on an ipcRenderer stand-in whose messages cross to Node through one
// Playwright binding. Payloads are structured-cloned here, as Electron does in the renderer, so
// what the desktop app could not send fails here too; listeners are kept per channel and really
// removed, so an unsubscribed listener hears nothing.

import {
  createPreloadBridge,
  type IpcRendererListener,
  type IpcRendererPort,
} from '../../src-main/electron/preload-bridge'
import { decodeIpcPayload, encodeIpcPayload } from './ipc-wire'

/** What the page script finds on `window` (the test file is checked without the DOM's types). */
interface PageGlobals {
  /** Playwright's binding into Node: one text message in, one text answer out. */
  __ipc(message: string): Promise<string>
  /** Node → page: one event on a channel, its arguments encoded. */
  __ipcDeliver?(channel: string, args: string): void
  __ipcListenerCount?(channel: string): number
  trainingServer?: unknown
}

const page = globalThis as unknown as PageGlobals
const listeners = new Map<string, Set<IpcRendererListener>>()

const ipcRenderer: IpcRendererPort = {
  async invoke(channel, ...args) {
    // Throws a DataCloneError for a function, as ipcRenderer.invoke does, before anything is sent.
    const payload = encodeIpcPayload(args)
    const answer = decodeIpcPayload(await page.__ipc(JSON.stringify({ channel, payload }))) as
      { ok: true; value: unknown } | { ok: false; message: string }
    // Electron rejects invoke itself (no handler, an answer it cannot clone) with a bare Error.
    if (!answer.ok) throw new Error(answer.message)
    return answer.value
  },
  on(channel, listener) {
    const set = listeners.get(channel) ?? new Set()
    set.add(listener)
    listeners.set(channel, set)
    return ipcRenderer
  },
  removeListener(channel, listener) {
    listeners.get(channel)?.delete(listener)
    return ipcRenderer
  },
}

page.__ipcDeliver = (channel, args) => {
  const values = decodeIpcPayload(args) as unknown[]
  for (const listener of [...(listeners.get(channel) ?? [])])
    listener({ sender: ipcRenderer }, ...values)
}
page.__ipcListenerCount = (channel) => listeners.get(channel)?.size ?? 0
page.trainingServer = createPreloadBridge(ipcRenderer)
