// Serves dataset thumbnails to the desktop window under the app's own URL scheme, straight from
// the core's thumbnail cache: no port, no token, and nothing outside the dataset folders. The
// listed files of a client's model bucket download through the same scheme (app-scheme-response.ts
// says what each URL answers; this module only plugs it into Electron).

import { protocol } from 'electron'
import { THUMBNAIL_SCHEME } from '../../src-shared/ipc-contract'
import { appSchemeResponse, type AppSchemeJobs } from './app-scheme-response'

/** Must run before the app is ready: the scheme behaves like https for the page (standard, secure). */
export function registerThumbnailScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: THUMBNAIL_SCHEME, privileges: { standard: true, secure: true } },
  ])
}

export function serveThumbnails(jobs: AppSchemeJobs): () => void {
  protocol.handle(THUMBNAIL_SCHEME, (request) => appSchemeResponse(jobs, request.url))
  return () => protocol.unhandle(THUMBNAIL_SCHEME)
}
