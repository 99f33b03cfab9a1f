// Downloads a backbone given by URL into `<home>/backbones/<key>/` once: a Keras .h5 file, or a
// model.json with every weight file its manifest lists. Files land in a temporary folder that is
// renamed into place only when whole, so a later run never takes a broken download for a cached
// model, and a cached model is used without touching the network.

import { createHash, randomBytes } from 'node:crypto'
import { access, mkdir, open, readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { AppFailure, appError } from '../../src-shared/errors'
import { renameDurably } from '../platform/atomic-file'
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
}

/** A download that receives nothing for this long fails rather than hanging the job. */
const DEFAULT_IDLE_TIMEOUT_MS = 30_000
const PROGRESS_INTERVAL_MS = 200

export const BACKBONE_LOCAL_FILE: Record<BackboneFormat, string> = {
  tfjs: 'model.json',
  h5: 'model.h5',
}

/** Where a URL's backbone is kept: one folder per URL. */
export function backboneCacheDir(home: string, url: string): string {
  const key = createHash('sha256').update(url).digest('hex').slice(0, 16)
  return join(home, 'backbones', key)
}

function downloadFailed(url: string, message: string, status?: number): AppFailure {
  return new AppFailure(
    appError('BACKBONE_DOWNLOAD_FAILED', `downloading ${url} failed: ${message}`, {
      field: BACKBONE_FIELD,
      file: url,
      details: { url, ...(status === undefined ? {} : { status }) },
    }),
  )
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

  constructor(
    private readonly options: DownloadOptions,
    private readonly url: string,
  ) {
    this.report = progressReporter(options.onProgress)
  }

  /** Fetches `url` into `file`, failing on HTTP errors, stalls and short bodies. */
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
    await mkdir(dirname(file), { recursive: true })
    const handle = await open(file, 'w')
    try {
      const response = await (this.options.fetch ?? fetch)(url, { signal: controller.signal })
      if (!response.ok || response.body === null) {
        await response.body?.cancel().catch(() => {})
        throw downloadFailed(url.href, `HTTP ${response.status}`, response.status)
      }
      // Content-Length counts encoded bytes; a compressed body arrives decoded and longer.
      const encoding = response.headers.get('content-encoding') ?? 'identity'
      const length =
        encoding === 'identity'
          ? Number(response.headers.get('content-length') ?? Number.NaN)
          : Number.NaN
      let received = 0
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        clearTimeout(timer)
        timer = setTimeout(stall, idleTimeout)
        await handle.write(chunk)
        received += chunk.byteLength
        this.done += chunk.byteLength
        this.report({ done: this.done, total: this.total, file: name })
      }
      if (Number.isFinite(length) && received !== length)
        throw downloadFailed(url.href, `the body ended after ${received} of ${length} bytes`)
    } catch (error) {
      if (signal?.aborted) throw interrupted(signal)
      if (stalled) throw downloadFailed(url.href, `no data for ${idleTimeout / 1000} s`)
      if (error instanceof AppFailure) throw error
      const cause = (error as Error & { cause?: Error }).cause?.message
      throw downloadFailed(url.href, cause ?? (error as Error).message)
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
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
    const model = parseLayersModelJson(this.url, await readFile(jsonFile, 'utf8'))
    this.total = this.done + manifestBytes(this.url, model)
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
    if (format === 'h5') await transfer.fetchH5(temporary)
    else await transfer.fetchLayersModel(temporary)
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
