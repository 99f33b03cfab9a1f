// Downloads a backbone given by URL into `<home>/backbones/<key>/` once: a Keras .h5 file, or a
// model.json with every weight file its manifest lists. Files land in a temporary folder that is
// renamed into place only when whole, so a later run never takes a broken download for a cached
// model, and a cached model is used without touching the network.

import { createHash, randomBytes } from 'node:crypto'
import { access, mkdir, open, readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import {
  DEFAULT_BACKBONE_DOWNLOAD_TIMEOUT_MS,
  DEFAULT_BACKBONE_MAX_BYTES,
} from '../../../src-shared/app-settings'
import { AppFailure, appError } from '../../../src-shared/errors'
import { renameDurably } from '../../platform/atomic-file'
import {
  BACKBONE_FIELD,
  manifestBytes,
  manifestPaths,
  parseLayersModelJson,
} from './backbone-files'

export type BackboneFormat = 'tfjs' | 'h5'

export interface DownloadProgress {
  done: number
  total?: number
  file: string
}

export interface DownloadOptions {
  home: string
  onProgress?: (progress: DownloadProgress) => void
  signal?: AbortSignal
  fetch?: typeof fetch
  /** How long a download may receive nothing before it fails; default 30 s. */
  idleTimeoutMs?: number
  /** How long the whole backbone may take to download; default 10 min. */
  timeoutMs?: number
  /** Bytes the whole backbone (model.json and every weight file) may take; default 200 MiB. */
  maxBytes?: number
}

/** A download that receives nothing for this long fails rather than hanging the job. */
const DEFAULT_IDLE_TIMEOUT_MS = 30_000
const PROGRESS_INTERVAL_MS = 200
/** Same-origin redirects followed per file; more is a loop or a misconfigured server. */
const MAX_REDIRECTS = 5

export const BACKBONE_LOCAL_FILE: Record<BackboneFormat, string> = {
  tfjs: 'model.json',
  h5: 'model.h5',
}

/** Where a URL's backbone is kept: one folder per URL. */
export function backboneCacheDir(home: string, url: string): string {
  const key = createHash('sha256').update(url).digest('hex').slice(0, 16)
  return join(home, 'backbones', key)
}

function downloadFailed(
  url: string,
  message: string,
  extra: { status?: number; cause?: string } = {},
): AppFailure {
  return new AppFailure(
    appError('BACKBONE_DOWNLOAD_FAILED', `downloading ${url} failed: ${message}`, {
      field: BACKBONE_FIELD,
      file: url,
      details: { url, ...extra },
    }),
  )
}

function tooLarge(url: string, limit: number, bytes: number, declared: boolean): AppFailure {
  const size = declared ? `would take ${bytes} bytes` : `sent more than ${limit} bytes`
  return new AppFailure(
    appError(
      'BACKBONE_TOO_LARGE',
      `backbone ${url} ${size}; a whole backbone may take at most ${limit} bytes ` +
        '(TRAINING_SERVER_BACKBONE_MAX_BYTES)',
      { field: BACKBONE_FIELD, file: url, details: { url, limit, bytes } },
    ),
  )
}

function redirectRefused(from: URL, to: string): AppFailure {
  return new AppFailure(
    appError(
      'BACKBONE_REDIRECT_REFUSED',
      `${from.href} redirects to another host, port or scheme; a backbone is fetched only from ` +
        'the origin its URL names (give the final URL instead)',
      { field: BACKBONE_FIELD, file: from.href, details: { url: from.href, location: to } },
    ),
  )
}

/** What an error page was, without any of its bytes: status, a media type and its size. */
function describeResponse(response: Response): string {
  const type = /^[\w.+-]+\/[\w.+-]+/.exec(response.headers.get('content-type') ?? '')?.[0]
  const length = response.headers.get('content-length')
  const parts = [type, length !== null && /^\d+$/.test(length) ? `${length} bytes` : undefined]
  const about = parts.filter((part) => part !== undefined).join(', ')
  return `HTTP ${response.status}${about === '' ? '' : ` (${about})`}`
}

function interrupted(signal: AbortSignal): AppFailure {
  if (signal.reason instanceof AppFailure) return signal.reason
  return new AppFailure(appError('INTERRUPTED', 'the backbone download was interrupted'))
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

/** Throttles progress to one event per interval; `flush` always reports. */
function progressReporter(onProgress: DownloadOptions['onProgress']) {
  let last = 0
  return (progress: DownloadProgress, flush = false) => {
    const now = Date.now()
    if (onProgress === undefined || (!flush && now - last < PROGRESS_INTERVAL_MS)) return
    last = now
    onProgress(progress)
  }
}

class Transfer {
  done = 0
  total: number | undefined
  private readonly report: ReturnType<typeof progressReporter>
  private readonly maxBytes: number
  private readonly timeoutMs: number
  /** Aborts every request when the whole download's deadline passes. */
  private readonly deadline = new AbortController()
  private readonly deadlineTimer: NodeJS.Timeout

  constructor(
    private readonly options: DownloadOptions,
    private readonly url: string,
  ) {
    this.report = progressReporter(options.onProgress)
    this.maxBytes = options.maxBytes ?? DEFAULT_BACKBONE_MAX_BYTES
    this.timeoutMs = options.timeoutMs ?? DEFAULT_BACKBONE_DOWNLOAD_TIMEOUT_MS
    this.deadlineTimer = setTimeout(() => this.deadline.abort(), this.timeoutMs)
  }

  dispose(): void {
    clearTimeout(this.deadlineTimer)
  }

  /** Fails when `bytes` more would take the backbone over its limit. */
  private checkSize(url: URL, bytes: number, declared: boolean): void {
    if (this.done + bytes > this.maxBytes)
      throw tooLarge(url.href, this.maxBytes, this.done + bytes, declared)
  }

  /**
   * The response for `url`, following redirects that stay within its origin: a redirect is
   * never followed automatically, since another host could answer with anything.
   */
  private async request(url: URL, signal: AbortSignal): Promise<Response> {
    let current = url
    for (let hop = 0; ; hop++) {
      const response = await (this.options.fetch ?? fetch)(current, {
        signal,
        redirect: 'manual',
      })
      const location = response.headers.get('location')
      if (response.status < 300 || response.status >= 400 || location === null) return response
      await response.body?.cancel().catch(() => {})
      let next: URL
      try {
        next = new URL(location, current)
      } catch {
        throw downloadFailed(url.href, `HTTP ${response.status} with an invalid Location`, {
          status: response.status,
        })
      }
      if (next.origin !== current.origin) throw redirectRefused(current, next.origin)
      if (hop >= MAX_REDIRECTS)
        throw downloadFailed(url.href, `more than ${MAX_REDIRECTS} redirects`, {
          status: response.status,
        })
      current = next
    }
  }

  /** Fetches `url` into `file`, failing on HTTP errors, stalls, deadlines, size and short bodies. */
  async fetchTo(url: URL, file: string, name: string): Promise<void> {
    const { signal } = this.options
    if (signal?.aborted) throw interrupted(signal)
    const idleTimeout = this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
    const controller = new AbortController()
    let stalled = false
    const stall = () => {
      stalled = true
      controller.abort()
    }
    let timer = setTimeout(stall, idleTimeout)
    const onAbort = () => controller.abort()
    signal?.addEventListener('abort', onAbort)
    this.deadline.signal.addEventListener('abort', onAbort)
    if (this.deadline.signal.aborted) controller.abort()
    await mkdir(dirname(file), { recursive: true })
    const handle = await open(file, 'w')
    try {
      const response = await this.request(url, controller.signal)
      if (!response.ok || response.body === null) {
        await response.body?.cancel().catch(() => {})
        throw downloadFailed(url.href, describeResponse(response), { status: response.status })
      }
      // Content-Length counts encoded bytes; a compressed body arrives decoded and longer.
      const encoding = response.headers.get('content-encoding') ?? 'identity'
      const length =
        encoding === 'identity'
          ? Number(response.headers.get('content-length') ?? Number.NaN)
          : Number.NaN
      if (Number.isFinite(length)) this.checkSize(url, length, true)
      let received = 0
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        clearTimeout(timer)
        timer = setTimeout(stall, idleTimeout)
        // What arrives counts, whatever the headers said (or left out).
        this.checkSize(url, chunk.byteLength, false)
        await handle.write(chunk)
        received += chunk.byteLength
        this.done += chunk.byteLength
        this.report({ done: this.done, total: this.total, file: name })
      }
      if (Number.isFinite(length) && received !== length)
        throw downloadFailed(url.href, `the body ended after ${received} of ${length} bytes`)
    } catch (error) {
      if (signal?.aborted) throw interrupted(signal)
      if (error instanceof AppFailure) throw error
      if (this.deadline.signal.aborted)
        throw downloadFailed(url.href, `not finished within ${this.timeoutMs / 1000} s`, {
          cause: 'timeout',
        })
      if (stalled)
        throw downloadFailed(url.href, `no data for ${idleTimeout / 1000} s`, { cause: 'timeout' })
      const cause = (error as Error & { cause?: Error }).cause?.message
      throw downloadFailed(url.href, cause ?? (error as Error).message)
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      this.deadline.signal.removeEventListener('abort', onAbort)
      await handle.close()
    }
  }

  finish(name: string): void {
    this.report({ done: this.done, total: this.total ?? this.done, file: name }, true)
  }

  /** model.json first (it says which weight files follow and how large they are), then those. */
  async fetchLayersModel(folder: string): Promise<void> {
    const modelUrl = new URL(this.url)
    const jsonFile = join(folder, BACKBONE_LOCAL_FILE.tfjs)
    await this.fetchTo(modelUrl, jsonFile, BACKBONE_LOCAL_FILE.tfjs)
    const model = parseLayersModelJson(this.url, await readFile(jsonFile, 'utf8'), modelUrl.href)
    const weights = manifestBytes(this.url, model)
    // The manifest says how large the weights are: refuse before fetching any of them.
    this.checkSize(modelUrl, weights, true)
    this.total = this.done + weights
    for (const path of manifestPaths(model))
      await this.fetchTo(new URL(path, modelUrl), join(folder, path), path)
    this.finish(manifestPaths(model).at(-1) ?? BACKBONE_LOCAL_FILE.tfjs)
  }

  async fetchH5(folder: string): Promise<void> {
    await this.fetchTo(
      new URL(this.url),
      join(folder, BACKBONE_LOCAL_FILE.h5),
      BACKBONE_LOCAL_FILE.h5,
    )
    this.finish(BACKBONE_LOCAL_FILE.h5)
  }
}

/**
 * The local model file of a URL's backbone, downloaded first unless it is already cached.
 * `fresh` says whether this call downloaded it.
 */
export async function downloadBackbone(
  url: string,
  format: BackboneFormat,
  options: DownloadOptions,
): Promise<{ file: string; dir: string; fresh: boolean }> {
  const dir = backboneCacheDir(options.home, url)
  const file = join(dir, BACKBONE_LOCAL_FILE[format])
  if (await exists(file)) return { file, dir, fresh: false }
  const temporary = `${dir}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`
  try {
    await mkdir(temporary, { recursive: true })
    const transfer = new Transfer(options, url)
    try {
      if (format === 'h5') await transfer.fetchH5(temporary)
      else await transfer.fetchLayersModel(temporary)
    } finally {
      transfer.dispose()
    }
    try {
      await renameDurably(temporary, dir)
    } catch (error) {
      // Another job finished the same download first: theirs is as good as ours.
      if (!(await exists(file))) throw error
    }
    return { file, dir, fresh: true }
  } finally {
    await rm(temporary, { recursive: true, force: true })
  }
}
