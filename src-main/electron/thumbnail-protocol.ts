// Serves dataset thumbnails to the desktop window under the app's own URL scheme, straight from
// the core's thumbnail cache: no port, no token, and nothing outside the dataset folders. The
// listed files of a client's model bucket download through the same scheme.

import { protocol } from 'electron'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import { toAppError } from '../../src-shared/errors'
import {
  parseModelFileAppUrl,
  parseThumbnailAppUrl,
  THUMBNAIL_SCHEME,
} from '../../src-shared/ipc-contract'
import type { JobService } from '../jobs/job-service'

/** Must run before the app is ready: the scheme behaves like https for the page (standard, secure). */
export function registerThumbnailScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: THUMBNAIL_SCHEME, privileges: { standard: true, secure: true } },
  ])
}

async function modelFileResponse(
  jobs: Pick<JobService, 'openModelFile'>,
  target: { client: string; key: string },
): Promise<Response> {
  try {
    const file = await jobs.openModelFile(target.client, target.key)
    const name = basename(file.key).replace(/[^\w.-]/g, '_')
    return new Response(Readable.toWeb(file.body) as ReadableStream, {
      headers: {
        'content-type': 'application/octet-stream',
        'content-disposition': `attachment; filename="${name}"`,
      },
    })
  } catch (thrown) {
    return Response.json({ error: toAppError(thrown) }, { status: 404 })
  }
}

export function serveThumbnails(jobs: Pick<JobService, 'thumbnail' | 'openModelFile'>): () => void {
  protocol.handle(THUMBNAIL_SCHEME, async (request) => {
    const modelFile = parseModelFileAppUrl(request.url)
    if (modelFile) return modelFileResponse(jobs, modelFile)
    const target = parseThumbnailAppUrl(request.url)
    if (!target)
      return Response.json(
        { error: { code: 'NOT_FOUND', message: 'not a thumbnail URL' } },
        { status: 404 },
      )
    try {
      const thumb = await jobs.thumbnail(target.client, target.file, target.size)
      return new Response(await readFile(thumb.path), {
        headers: { 'content-type': thumb.contentType, 'cache-control': 'private, max-age=60' },
      })
    } catch (thrown) {
      return Response.json({ error: toAppError(thrown) }, { status: 404 })
    }
  })
  return () => protocol.unhandle(THUMBNAIL_SCHEME)
}
