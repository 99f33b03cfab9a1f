// How far a dataset sync has come: files and bytes mirrored as a labelled progress bar, busy
// before the first count arrives, then that the mirrored files are being validated.

import type { SyncProgress } from '../../src-shared/sync-progress'
import { formatBytes } from '../format'
import { ProgressBar } from './progress-bar'

export function syncProgressDetail(progress: SyncProgress | undefined): string {
  if (!progress) return 'Starting…'
  if (progress.stage === 'validating') return 'Validating…'
  const files = `${progress.filesDone.toLocaleString()} / ${progress.filesTotal.toLocaleString()} files`
  return `${files} · ${formatBytes(progress.bytesDone)} / ${formatBytes(progress.bytesTotal)}`
}

export function SyncProgressBar({ progress }: { progress: SyncProgress | undefined }) {
  const counting = progress?.stage === 'syncing'
  return (
    <div className="sync-progress">
      <ProgressBar
        label="Sync"
        done={counting ? progress.filesDone : 0}
        total={counting ? progress.filesTotal : 1}
        detail={syncProgressDetail(progress)}
        // Until the bucket is listed, and while validating, there is no count to show.
        indeterminate={!counting}
      />
    </div>
  )
}
