// The desktop window: locked-down web preferences, the preload bridge, no navigation away from
// the bundled UI and no pop-ups. It also registers the window as the one trusted IPC sender.

import { BrowserWindow, shell } from 'electron'
import { pathToFileURL } from 'node:url'
import type { TrustedSenders } from './ipc-main'
import { ownPageFilter } from './own-page'

export interface MainWindowOptions {
  preloadPath: string
  /** The built UI's index.html, used unless a development server URL is given. */
  rendererIndexPath: string
  /** Set by `electron-vite dev`: the renderer's development server. */
  rendererDevUrl?: string
  trusted: TrustedSenders
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 840,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Training Server',
    autoHideMenuBar: true,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  })

  const pageUrl = options.rendererDevUrl ?? pathToFileURL(options.rendererIndexPath).href
  const isOwnPage = ownPageFilter(pageUrl)
  options.trusted.trust(window.webContents, isOwnPage)

  window.webContents.on('will-navigate', (event, url) => {
    if (!isOwnPage(url)) event.preventDefault()
  })
  // Links to the outside world open in the user's browser, never inside the app.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.once('ready-to-show', () => window.show())

  if (options.rendererDevUrl) void window.loadURL(options.rendererDevUrl)
  else void window.loadFile(options.rendererIndexPath)
  return window
}
