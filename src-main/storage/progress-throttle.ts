// Transfer progress (files and bytes) reported at a bounded rate: a sync of thousands of small
// files must not flood the job log, yet the first and the final counts are always reported.

export interface MirrorProgress {
  filesDone: number
  filesTotal: number
  bytesDone: number
  bytesTotal: number
}

export interface ProgressCounter {
  readonly current: MirrorProgress
  addBytes(bytes: number): void
  addFile(): void
  /** Reports now regardless of the interval (start and end). */
  flush(): void
}

export function progressCounter(
  totals: MirrorProgress,
  onProgress: ((p: MirrorProgress) => void) | undefined,
  intervalMs = 100,
): ProgressCounter {
  const current = { ...totals }
  let last = Number.NEGATIVE_INFINITY
  const report = (force: boolean) => {
    if (!onProgress) return
    const now = performance.now()
    if (!force && now - last < intervalMs) return
    last = now
    onProgress({ ...current })
  }
  return {
    current,
    addBytes(bytes) {
      current.bytesDone += bytes
      report(false)
    },
    addFile() {
      current.filesDone += 1
      report(false)
    },
    flush() {
      report(true)
    },
  }
}
