// The Node end of the UI tests' stand-in for Electron's IPC: an ipcMain the real typed wrapper
// (ipc-main.ts) and adapter (ipc-adapter.ts) register on, and one window as the only sender.
// Requests arrive from the page through the `__ipc` binding with the frame that sent them, are
// structured-cloned again on this side, and answers and events go back the same way, so a
// payload Electron could not carry breaks here as it would in the app.

import type { Frame, Page } from 'playwright-core'
import type { IpcInvokeEvent, IpcMainPort, IpcSender } from '../../src-main/electron/ipc-main'
import { decodeIpcPayload, encodeIpcPayload } from './ipc-wire'

type InvokeListener = (event: IpcInvokeEvent, ...args: unknown[]) => unknown

/** The one window: events it is sent reach the page in the order they were sent. */
class PageSender implements IpcSender {
  readonly id = 1
  private destroyed = false
  private readonly onDestroyed: (() => void)[] = []
  private delivery: Promise<unknown> = Promise.resolve()

  constructor(private readonly page: Page) {}

  send(channel: string, ...args: unknown[]): void {
    // Throws at the caller for what cannot be cloned, as webContents.send does.
    const encoded = encodeIpcPayload(args)
    this.delivery = this.delivery
      .then(() =>
        this.page.evaluate(
          ([c, a]) => {
            const deliver = (globalThis as { __ipcDeliver?: (c: string, a: string) => void })
              .__ipcDeliver
            deliver?.(c, a)
          },
          [channel, encoded] as const,
        ),
      )
      // A page that is navigating or closed simply misses the event, as a reloading window does.
      .catch(() => undefined)
  }

  isDestroyed(): boolean {
    return this.destroyed
  }

  once(_event: 'destroyed', listener: () => void): void {
    this.onDestroyed.push(listener)
  }

  /** Like closing the window: Electron emits `destroyed` once, and sends go nowhere after it. */
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    for (const listener of this.onDestroyed.splice(0)) listener()
  }

  /** Resolves once every event sent so far has reached the page. */
  flushed(): Promise<unknown> {
    return this.delivery
  }
}

export class PageIpcMain implements IpcMainPort {
  private readonly handlers = new Map<string, InvokeListener>()
  readonly sender: PageSender
  /** Every request channel the page called, in order. */
  readonly calls: string[] = []

  private constructor(page: Page) {
    this.sender = new PageSender(page)
  }

  /** Call before the page loads: the binding must exist when the bridge's first request goes out. */
  static async attach(page: Page): Promise<PageIpcMain> {
    const ipc = new PageIpcMain(page)
    await page.exposeBinding('__ipc', (source, message: string) => ipc.receive(source, message))
    return ipc
  }

  handle(channel: string, listener: InvokeListener): void {
    // Electron refuses a second handler on one channel; so does this.
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`)
    this.handlers.set(channel, listener)
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }

  private async receive(source: { frame: Frame }, message: string): Promise<string> {
    const { channel, payload } = JSON.parse(message) as { channel: string; payload: string }
    this.calls.push(channel)
    const handler = this.handlers.get(channel)
    if (!handler)
      return encodeIpcPayload({ ok: false, message: `No handler registered for '${channel}'` })
    const args = structuredClone(decodeIpcPayload(payload)) as unknown[]
    const event: IpcInvokeEvent = { sender: this.sender, senderFrame: { url: source.frame.url() } }
    try {
      const value: unknown = await handler(event, ...args)
      return encodeIpcPayload({ ok: true, value })
    } catch (thrown) {
      return encodeIpcPayload({
        ok: false,
        message: `Error invoking remote method '${channel}': ${String(thrown)}`,
      })
    }
  }
}
