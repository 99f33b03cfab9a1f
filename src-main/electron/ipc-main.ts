// The main-process end of the IPC contract: the only module that touches Electron's ipcMain. It
// registers typed request handlers, refuses callers outside the trusted set, and turns every
// answer into an IpcOutcome so errors reach the window with their code, path and file intact.

import { ipcMain } from 'electron'
import { appError, toAppError } from '../../src-shared/errors'
import {
  requestChannelId,
  type IpcOutcome,
  type RequestArgs,
  type RequestChannel,
  type RequestResult,
} from '../../src-shared/ipc-contract'

/** The part of a WebContents the IPC layer uses (a real WebContents fits it). */
export interface IpcSender {
  id: number
  send(channel: string, ...args: unknown[]): void
  isDestroyed(): boolean
  once(event: 'destroyed', listener: () => void): unknown
}

/** The part of an IpcMainInvokeEvent the IPC layer uses. */
export interface IpcInvokeEvent {
  sender: IpcSender
  senderFrame?: { url: string } | null
}

/** The part of ipcMain the IPC layer uses; tests pass a fake. */
export interface IpcMainPort {
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => unknown): void
  removeHandler(channel: string): void
}

/**
 * Windows allowed to call the main process, each with the page URLs it may be showing. A window
 * that navigated elsewhere (or a frame inside it) is refused even though its id is known.
 */
export class TrustedSenders {
  private readonly allowed = new Map<number, (url: string) => boolean>()

  trust(sender: IpcSender, isAllowedUrl: (url: string) => boolean): void {
    this.allowed.set(sender.id, isAllowedUrl)
    sender.once('destroyed', () => this.allowed.delete(sender.id))
  }

  isTrusted(event: IpcInvokeEvent): boolean {
    const isAllowedUrl = this.allowed.get(event.sender.id)
    const url = event.senderFrame?.url
    return isAllowedUrl !== undefined && url !== undefined && isAllowedUrl(url)
  }
}

export type RequestHandler<C extends RequestChannel> = (
  event: IpcInvokeEvent,
  ...args: RequestArgs<C>
) => Promise<RequestResult<C>> | RequestResult<C>

export interface TypedIpcMain {
  handle<C extends RequestChannel>(channel: C, handler: RequestHandler<C>): void
  /** Removes every handler this wrapper registered. */
  removeAll(): void
}

export function createTypedIpcMain(
  trusted: TrustedSenders,
  ipc: IpcMainPort = ipcMain,
): TypedIpcMain {
  const registered = new Set<string>()
  return {
    handle(channel, handler) {
      const id = requestChannelId(channel)
      const listener = async (
        event: IpcInvokeEvent,
        ...args: unknown[]
      ): Promise<IpcOutcome<unknown>> => {
        if (!trusted.isTrusted(event))
          return {
            ok: false,
            error: appError('IPC_UNTRUSTED_SENDER', `Refused "${channel}" from an untrusted page`, {
              details: { url: event.senderFrame?.url ?? null },
            }),
          }
        try {
          // The contract types the arguments; the handlers still check what they act on.
          const value = await handler(event, ...(args as RequestArgs<typeof channel>))
          return { ok: true, value }
        } catch (thrown) {
          return { ok: false, error: toAppError(thrown) }
        }
      }
      ipc.handle(id, listener)
      registered.add(id)
    },
    removeAll() {
      for (const id of registered) ipc.removeHandler(id)
      registered.clear()
    },
  }
}
