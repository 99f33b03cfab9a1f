// Transfer progress (files and bytes) reported at a bounded rate: a sync of thousands of small
// files must not flood the job log, yet the first and the final counts are always reported.

import { progressGate } from '../platform/rate-gate'

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
  const due = progressGate(intervalMs)
  const report = (force: boolean) => {
    if (onProgress && due(force)) onProgress({ ...current })
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
