// The desktop app's entry: compose the core once, start the embedded endpoint with it (scripts
// and browsers keep working while the window is open), then open the window and wire its IPC.

import { app, BrowserWindow, dialog } from 'electron'
import { fileURLToPath } from 'node:url'
import { toAppError } from '../src-shared/errors'
import { loadSettings } from './config/settings'
import { startCore, type Core } from './core'
import { coreMainApi } from './electron/core-api'
import { registerIpcApi, type IpcApiRegistration } from './electron/ipc-adapter'
import { createTypedIpcMain, TrustedSenders } from './electron/ipc-main'
import { createMainWindow } from './electron/main-window'
import { registerThumbnailScheme, serveThumbnails } from './electron/thumbnail-protocol'
import { startHttpServer, type HttpServer } from './http/server'

const preloadPath = fileURLToPath(new URL('../preload/preload.cjs', import.meta.url))
const rendererIndexPath = fileURLToPath(new URL('../renderer/index.html', import.meta.url))

let core: Core | undefined
let http: HttpServer | undefined
let ipcApi: IpcApiRegistration | undefined
const trusted = new TrustedSenders()

function openWindow(): void {
  createMainWindow({
    preloadPath,
    rendererIndexPath,
    rendererDevUrl: process.env.ELECTRON_RENDERER_URL,
    trusted,
  })
}

async function start(): Promise<void> {
  const settings = loadSettings()
  core = await startCore(settings)
  try {
    http = await startHttpServer(core, { port: settings.port })
  } catch (thrown) {
    // The window works without the endpoint; only scripts and browsers lose it.
    const error = toAppError(thrown)
    dialog.showErrorBox('Training Server endpoint not started', `${error.message} (${error.code})`)
  }
  serveThumbnails(core.jobs)
  ipcApi = registerIpcApi(createTypedIpcMain(trusted), coreMainApi(core))
  openWindow()
}

let stopped = false
async function stop(): Promise<void> {
  ipcApi?.dispose()
  await http?.close()
  await core?.close()
}

registerThumbnailScheme()
if (!app.requestSingleInstanceLock()) app.quit()
else {
  app.on('second-instance', () => {
    const window = BrowserWindow.getAllWindows()[0]
    if (window?.isMinimized()) window.restore()
    window?.focus()
  })
  app.on('activate', () => {
    if (core && BrowserWindow.getAllWindows().length === 0) openWindow()
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  // Jobs are interrupted and the history saved before the process ends.
  app.on('will-quit', (event) => {
    if (stopped) return
    event.preventDefault()
    stopped = true
    void stop().finally(() => app.quit())
  })
  app
    .whenReady()
    .then(start)
    .catch((thrown: unknown) => {
      const error = toAppError(thrown)
      dialog.showErrorBox('Training Server could not start', `${error.message} (${error.code})`)
      app.exit(1)
    })
}
