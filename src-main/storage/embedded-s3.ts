// The in-process S3 store used when no endpoint is configured (and by tests): s3rver keeping its
// buckets in a local folder, reachable only from this machine. We own the HTTP server so a taken
// port becomes a clear error instead of an unhandled 'error' event, and so close() frees it.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import S3rver from 's3rver'
import { AppFailure, appError } from '../../src-shared/errors'

/** s3rver's fixed local credentials: `aws s3 ls --endpoint-url http://127.0.0.1:4568` with these works. */
export const EMBEDDED_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

export interface EmbeddedS3 {
  endpoint: string
  port: number
  close(): Promise<void>
}

const HOST = '127.0.0.1'

/**
 * s3rver joins object keys onto its folder path as they come, so a key such as `../../x` would
 * read or write outside the store. Such requests are refused before they reach it.
 */
function escapesStore(req: IncomingMessage): boolean {
  // The raw target, not a parsed URL: URL parsing would already resolve the dot segments.
  const paths = [(req.url ?? '/').split('?')[0] ?? '']
  const copySource = req.headers['x-amz-copy-source']
  if (typeof copySource === 'string') paths.push(copySource.split('?')[0] ?? '')
  return paths.some((raw) => {
    let decoded: string
    try {
      decoded = decodeURIComponent(raw)
    } catch {
      return true
    }
    return decoded.includes('\0') || decoded.split(/[/\\]/).some((s) => s === '..' || s === '.')
  })
}

function refuse(res: ServerResponse): void {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidArgument</Code>' +
    '<Message>Object keys with "." or ".." segments are not supported by this store</Message></Error>'
  res.writeHead(400, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening)
      reject(err)
    }
    const onListening = () => {
      server.off('error', onError)
      resolve((server.address() as AddressInfo).port)
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, HOST)
  })
}

export async function startEmbeddedS3(opts: {
  directory: string
  port: number
}): Promise<EmbeddedS3> {
  await mkdir(opts.directory, { recursive: true })
  const s3rver = new S3rver({
    address: HOST,
    silent: true,
    directory: opts.directory,
    // Path-style only: a bucket name taken from the Host header would bypass the key check.
    vhostBuckets: false,
  })
  const releaseLogger = () => {
    s3rver.logger.exceptions.unhandle()
    s3rver.logger.close()
  }
  const handle = s3rver.callback()
  const server = createServer((req, res) => (escapesStore(req) ? refuse(res) : handle(req, res)))
  let port: number
  try {
    port = await listen(server, opts.port)
  } catch (thrown) {
    releaseLogger()
    const err = thrown as NodeJS.ErrnoException
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES')
      throw new AppFailure(
        appError(
          'PORT_IN_USE',
          `Port ${opts.port} on ${HOST} is not available for the embedded S3 store; ` +
            'set TRAINING_SERVER_S3_PORT to a free port (0 picks one)',
          { field: 'TRAINING_SERVER_S3_PORT', details: { port: opts.port, cause: err.code } },
        ),
      )
    throw new AppFailure(
      appError('S3_SERVER_FAILED', `The embedded S3 store could not start: ${err.message}`, {
        field: 'TRAINING_SERVER_S3_PORT',
        details: { port: opts.port },
      }),
    )
  }

  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((err) => {
        releaseLogger()
        if (err) reject(err)
        else resolve()
      })
      // Clients keep sockets alive; without this close() would wait for them to time out.
      server.closeAllConnections()
    })
    return closing
  }
  return { endpoint: `http://${HOST}:${port}`, port, close }
}
