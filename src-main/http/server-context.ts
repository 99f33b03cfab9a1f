// What every route handler of the endpoint receives.

import type { ServerResponse } from 'node:http'
import type { Core } from '../core'
import type { SettingsService } from '../settings-service'
import type { BrowserSessions } from './browser-sessions'

export interface ServerContext {
  core: Core
  /** The port actually bound (the Host guard and the origin check compare against it). */
  port: number
  /** Event streams still open; the server ends them when it closes. */
  openStreams: Set<ServerResponse>
  /** Folder of the built web UI, when there is one. */
  uiDir: string | undefined
  /** The browser UI's sessions (in memory: a restart asks the browser for the token again). */
  sessions: BrowserSessions
  /** The one settings service of this process, shared with the window when there is one. */
  settings: SettingsService
}
