// The desktop app's entry: compose the core once, start the embedded endpoint with it (scripts
// and browsers keep working while the window is open), then open the window and wire its IPC.

import './platform/sdk-notices'
import { app, BrowserWindow, dialog } from 'electron'
import { fileURLToPath } from 'node:url'
import { toAppError, type AppError } from '../src-shared/errors'
import { loadSettings } from './config/settings'
import { startCore, type Core } from './core'
import { coreMainApi } from './electron/core-api'
import { registerIpcApi, type IpcApiRegistration } from './electron/ipc-adapter'
import { createTypedIpcMain, TrustedSenders } from './electron/ipc-main'
import { createMainWindow } from './electron/main-window'
import { safeStorageCipher } from './electron/safe-storage-cipher'
import { registerThumbnailScheme, serveThumbnails } from './electron/thumbnail-protocol'
import { startHttpServer, type HttpServer } from './http/server'
import { createSettingsService } from './settings-service'

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

/** The message, then the code and what it is about (the settings file and its field). */
function describeError(error: AppError): string {
  const file = error.file && !error.message.includes(error.file) ? error.file : undefined
  const where = [file, error.field && `field ${error.field}`].filter(Boolean).join(', ')
  return `${error.message}\n\n${error.code}${where ? ` (${where})` : ''}`
}

async function start(): Promise<void> {
  // Access keys in settings.json are sealed by the OS keychain; only this shell can open them.
  const cipher = safeStorageCipher()
  const settings = loadSettings(process.env, { cipher })
  core = await startCore(settings)
  // One settings service for the window and the endpoint: saves are serialised together and both
  // seal secrets with the OS cipher.
  const settingsService = createSettingsService(core, { cipher, runningPort: () => http?.port })
  try {
    http = await startHttpServer(core, { port: settings.port, settings: settingsService })
  } catch (thrown) {
    // The window works without the endpoint; only scripts and browsers lose it.
    const error = toAppError(thrown)
    dialog.showErrorBox('Training Server endpoint not started', describeError(error))
  }
  serveThumbnails(core.jobs)
  ipcApi = registerIpcApi(createTypedIpcMain(trusted), coreMainApi(core, settingsService))
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
      dialog.showErrorBox('Training Server could not start', describeError(error))
      app.exit(1)
    })
}
