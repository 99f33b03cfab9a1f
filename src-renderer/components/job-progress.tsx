// Where a job stands: what a queued job waits for, the stages passed, a progress bar for each
// stage under way (files and bytes while syncing, epochs and batches while training) and the
// time left.

import { JOB_STATES, type JobState } from '../../src-shared/job-events'
import { formatBytes, formatDuration } from '../format'
import {
  remainingMs,
  trainingRemainingMs,
  type JobView,
  type StageProgress,
} from '../jobs/job-view'
import { ProgressBar } from './progress-bar'
import { stateText } from './state-badge'

const STEPS: JobState[] = JOB_STATES.filter((s) => s !== 'failed' && s !== 'interrupted')

function eta(ms: number | undefined, running: boolean): string | undefined {
  if (!running || ms === undefined) return undefined
  return ms <= 0 ? 'finishing' : `about ${formatDuration(ms)} left`
}

function countDetail(p: StageProgress): string {
  const counts = `${p.done.toLocaleString()} / ${p.total.toLocaleString()} ${p.unit}`
  if (p.bytesTotal === undefined || p.unit === 'bytes')
    return p.unit === 'bytes' ? `${formatBytes(p.done)} / ${formatBytes(p.total)}` : counts
  return `${counts} · ${formatBytes(p.bytesDone ?? 0)} / ${formatBytes(p.bytesTotal)}`
}

export function JobProgress({ view, plannedEpochs }: { view: JobView; plannedEpochs?: number }) {
  const current = view.state
  const ended = current === 'done' || current === 'failed' || current === 'interrupted'
  const reached = STEPS.indexOf(current)
  // A failed or interrupted job stopped at the last stage it reported progress for.
  const lastActive =
    ended && current !== 'done' ? STEPS.findLastIndex((s) => s in view.progress) : -1
  const last = view.epochs.at(-1)
  const epochs = last?.epochs ?? plannedEpochs ?? 0
  const sync = view.progress.syncing
  const validating = view.progress.validating
  const batches = view.progress.training
  const exporting = view.progress.exporting
  const uploading = view.progress.uploading
  const running = (state: JobState): boolean => current === state

  return (
    <div className="job-progress">
      {current === 'queued' && (
        <p className="job-waiting" role="status">
          Queued{view.waitingFor ? `: ${view.waitingFor}` : ''}
        </p>
      )}
      <ol className="stepper" aria-label="Stages">
        {STEPS.map((step, index) => {
          const done =
            current === 'done' || index < reached || (lastActive >= 0 && index < lastActive)
          const isCurrent =
            current !== 'done' && (step === current || (lastActive >= 0 && index === lastActive))
          const cls = isCurrent
            ? ended
              ? 'step step-stopped'
              : 'step step-current'
            : done
              ? 'step step-done'
              : 'step'
          return (
            <li key={step} className={cls} aria-current={isCurrent ? 'step' : undefined}>
              <span className="step-dot" aria-hidden="true" />
              {stateText(step)}
              {done && <span className="visually-hidden"> (complete)</span>}
            </li>
          )
        })}
      </ol>
      <div className="bars">
        <ProgressBar
          label="Sync"
          done={sync?.done ?? (reached > STEPS.indexOf('syncing') ? 1 : 0)}
          total={sync?.total ?? 1}
          detail={
            sync
              ? countDetail(sync)
              : reached > STEPS.indexOf('syncing')
                ? 'up to date'
                : current === 'queued'
                  ? 'queued'
                  : 'waiting'
          }
          eta={sync ? eta(remainingMs(sync), running('syncing')) : undefined}
          indeterminate={running('syncing') && !sync}
        />
        {validating && (
          <ProgressBar
            label="Validation"
            done={validating.done}
            total={validating.total}
            detail={countDetail(validating)}
            eta={eta(remainingMs(validating), running('validating'))}
          />
        )}
        <ProgressBar
          label="Epochs"
          done={last?.epoch ?? 0}
          total={Math.max(epochs, 1)}
          detail={epochs > 0 ? `${last?.epoch ?? 0} / ${epochs} epochs` : 'waiting'}
          eta={eta(trainingRemainingMs(view), running('training'))}
        />
        <ProgressBar
          label="Batches"
          done={batches?.done ?? 0}
          total={Math.max(batches?.total ?? 1, 1)}
          detail={
            batches
              ? `${batches.epoch !== undefined ? `epoch ${batches.epoch} · ` : ''}${batches.done} / ${batches.total} batches`
              : 'waiting'
          }
          eta={batches ? eta(remainingMs(batches), running('training')) : undefined}
        />
        {exporting && (
          <ProgressBar
            label="Export"
            done={exporting.done}
            total={exporting.total}
            detail={countDetail(exporting)}
          />
        )}
        {uploading && (
          <ProgressBar
            label="Upload"
            done={uploading.done}
            total={uploading.total}
            detail={countDetail(uploading)}
            eta={eta(remainingMs(uploading), running('uploading'))}
          />
        )}
      </div>
    </div>
  )
}
