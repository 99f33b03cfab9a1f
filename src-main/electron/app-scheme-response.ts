// What the app's own URL scheme answers for one request URL: a cached dataset thumbnail, or a
// listed file of the client's model bucket as a download. Free of Electron, so the scheme's
// behaviour is the same whether Electron's protocol module or a test's router asks.

import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import { toAppError } from '../../src-shared/errors'
import { parseModelFileAppUrl, parseThumbnailAppUrl } from '../../src-shared/ipc-contract'
import type { JobService } from '../jobs/job-service'

export type AppSchemeJobs = Pick<JobService, 'thumbnail' | 'openModelFile'>

async function modelFileResponse(
  jobs: AppSchemeJobs,
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

export async function appSchemeResponse(jobs: AppSchemeJobs, url: string): Promise<Response> {
  const modelFile = parseModelFileAppUrl(url)
  if (modelFile) return modelFileResponse(jobs, modelFile)
  const target = parseThumbnailAppUrl(url)
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
}
