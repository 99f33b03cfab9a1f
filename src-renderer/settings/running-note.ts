// What the settings screen says beside a saved value about the one in use: the port the endpoint
// is bound to and the S3 store the server talks to come from the server itself, because settings
// are read at start and an environment variable can win over the file.

import type { SettingsView } from '../../src-shared/app-settings'

export function runningPortNote(view: SettingsView): string | undefined {
  const port = view.running?.port
  if (port === undefined) return undefined
  const saved = view.values.port
  if (view.overriddenBy.port === undefined && saved === port) return `Running on ${port}.`
  return `Saved: ${saved} — takes effect at next start; running on ${port}.`
}

export function runningStoreNote(view: SettingsView): string | undefined {
  const running = view.running
  if (!running) return undefined
  const store = running.embedded
    ? `the embedded store at ${running.s3Endpoint}`
    : running.s3Endpoint || 'AWS S3'
  const saved = view.values.s3Endpoint
  const same = running.embedded ? saved === '' : saved === running.s3Endpoint
  if (view.overriddenBy.s3Endpoint === undefined && same) return `In use: ${store}.`
  return `Saved: ${saved || 'the embedded store'} — takes effect at next start; in use: ${store}.`
}
