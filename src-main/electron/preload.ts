// The window's only door to the main process, and the only module that touches ipcRenderer. It
// exposes one object, `window.trainingServer` (built in preload-bridge.ts), implementing
// TrainingServerApi over the typed IPC contract; nothing else from Node or Electron reaches the page.

import { contextBridge, ipcRenderer } from 'electron'
import { createPreloadBridge } from './preload-bridge'

contextBridge.exposeInMainWorld('trainingServer', createPreloadBridge(ipcRenderer))
