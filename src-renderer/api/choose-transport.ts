// Picks how the UI reaches the core: the preload's bridge inside the desktop app, otherwise the
// endpoint that served the page.

import type { TrainingServerApi } from '../../src-shared/bridge'
import { createHttpTransport } from './http-transport'
import { createIpcTransport } from './ipc-transport'

export type TransportKind = 'ipc' | 'http'

export function chooseTransport(host: Window = window): {
  kind: TransportKind
  api: TrainingServerApi
} {
  if (host.trainingServer) return { kind: 'ipc', api: createIpcTransport(host.trainingServer) }
  return { kind: 'http', api: createHttpTransport(host.location.origin) }
}
