// The settings routes of the endpoint, for the settings screen in a browser: GET and PUT
// /api/settings (the settings file) and POST /api/settings/test (list the client buckets the given
// settings reach, saving nothing). They use the process's one settings service (ctx.settings), so
// saves through the endpoint and the window are serialised together and, in the desktop app,
// seal secrets with the same OS cipher. Headless there is no cipher, so access keys cannot be
// stored through it: a profile or the environment supplies credentials there.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { appError } from '../../src-shared/errors'
import { readJsonBody } from './request-body'
import { sendError, sendJson } from './responses'
import type { ServerContext } from './server-context'

function methodNotAllowed(req: IncomingMessage, res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow)
  sendError(res, appError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here`))
}

/** Answers /api/settings and /api/settings/test; false for any other path. */
export async function handleSettingsApi(
  req: IncomingMessage,
  res: ServerResponse,
  segments: string[],
  ctx: ServerContext,
): Promise<boolean> {
  if (segments[0] !== 'settings' || segments.length > 2) return false
  const test = segments[1] === 'test'
  if (segments.length === 2 && !test) return false
  const method = req.method === 'HEAD' ? 'GET' : req.method
  const service = ctx.settings
  try {
    if (test) {
      if (method !== 'POST') methodNotAllowed(req, res, 'POST')
      else sendJson(res, 200, await service.testConnection(await readJsonBody(req)))
    } else if (method === 'GET') sendJson(res, 200, await service.get())
    else if (method === 'PUT') sendJson(res, 200, await service.save(await readJsonBody(req)))
    else methodNotAllowed(req, res, 'GET, PUT')
  } catch (thrown) {
    sendError(res, thrown)
  }
  return true
}
