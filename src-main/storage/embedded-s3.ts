// The in-process S3 store used when no endpoint is configured (and by tests): s3rver keeping its
// buckets in a local folder, reachable only from this machine and only through the guard (Host,
// no browsers, SigV4 with the per-install key, safe keys). We own the HTTP server so a taken
// port becomes a clear error instead of an unhandled 'error' event, and so close() frees it.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { mkdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import S3rver from 's3rver'
import { AppFailure, appError } from '../../src-shared/errors'
import type { StoreCredentials } from './store-credentials'
import { guardStoreRequest, type StoreRefusal } from './store-request-guard'

export interface EmbeddedS3 {
  endpoint: string
  port: number
  /** The access key S3 clients sign with (the app's own, the AWS CLI's). */
  credentials: StoreCredentials
  close(): Promise<void>
}

const HOST = '127.0.0.1'

// s3rver looks the request's access key id up in its own account registry before anything else
// and answers InvalidAccessKeyId for ids it does not know; it never checks SigV4 signatures at
// all (and `allowMismatchedSignatures` only waives its SigV2 check). The guard verifies every
// signature, so s3rver is told about this store's key id to let the guarded requests through.
const s3rverAccounts = createRequire(import.meta.url)('s3rver/lib/models/account.js') as {
  DUMMY_ACCOUNT: {
    createKeyPair(accessKeyId: string, secret: string): void
    revokeAccessKey(accessKeyId: string): void
  }
}

// Two stores of one home (the settings test opens one briefly) share a key id: count them.
const keyUsers = new Map<string, number>()
function admitKey(credentials: StoreCredentials): () => void {
  const id = credentials.accessKeyId
  keyUsers.set(id, (keyUsers.get(id) ?? 0) + 1)
  s3rverAccounts.DUMMY_ACCOUNT.createKeyPair(id, credentials.secretAccessKey)
  let admitted = true
  return () => {
    if (!admitted) return
    admitted = false
    const left = (keyUsers.get(id) ?? 1) - 1
    if (left > 0) keyUsers.set(id, left)
    else {
      keyUsers.delete(id)
      s3rverAccounts.DUMMY_ACCOUNT.revokeAccessKey(id)
    }
  }
}

function xmlText(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function refuse(res: ServerResponse, refusal: StoreRefusal): void {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${xmlText(refusal.code)}</Code><Message>${xmlText(refusal.message)}</Message></Error>`
  res.writeHead(refusal.status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    // The unread body of a refused upload is not worth draining for a kept-alive socket.
    connection: 'close',
  })
  res.end(body)
}

/** The request again, its body now the bytes the guard read: s3rver reads it as a stream. */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const again = Readable.from([body], { objectMode: false }) as unknown as IncomingMessage
  return Object.assign(again, {
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    url: req.url,
    method: req.method,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    socket: req.socket,
    connection: req.socket,
    complete: true,
  })
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
  /** Requests must be signed with these (see loadStoreCredentials). */
  credentials: StoreCredentials
}): Promise<EmbeddedS3> {
  const credentials = { ...opts.credentials }
  await mkdir(opts.directory, { recursive: true })
  const s3rver = new S3rver({
    address: HOST,
    silent: true,
    directory: opts.directory,
    // Path-style only: a bucket name taken from the Host header would bypass the key check.
    vhostBuckets: false,
    // The guard has checked the signature; s3rver's own check knows only its fixed account.
    allowMismatchedSignatures: true,
  })
  const dismissKey = admitKey(credentials)
  const release = () => {
    dismissKey()
    s3rver.logger.exceptions.unhandle()
    s3rver.logger.close()
  }
  const handle = s3rver.callback()
  let port = opts.port
  const server = createServer((req, res) => {
    guardStoreRequest(req, port, credentials).then(
      (verdict) => {
        if ('code' in verdict) refuse(res, verdict)
        else handle(verdict.body ? replay(req, verdict.body) : req, res)
      },
      () =>
        refuse(res, { status: 400, code: 'InvalidRequest', message: 'The request was cut off' }),
    )
  })
  try {
    port = await listen(server, opts.port)
  } catch (thrown) {
    release()
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
        release()
        if (err) reject(err)
        else resolve()
      })
      // Clients keep sockets alive; without this close() would wait for them to time out.
      server.closeAllConnections()
    })
    return closing
  }
  return { endpoint: `http://${HOST}:${port}`, port, credentials, close }
}
