// Start and stop training for the selected client, and watch the live job: stages, progress with
// time left, loss and accuracy curves as epochs finish, the backend and the job's log. Stop asks
// first, saying whether the run can be resumed; an interrupted run with a checkpoint offers Resume.

import { useState } from 'react'
import { isTerminal } from '../../src-shared/job-events'
import { ConfirmDialog } from '../components/confirm-dialog'
import { EmptyState } from '../components/empty-state'
import { EpochCurves } from '../components/epoch-curves'
import { ErrorDetail } from '../components/error-detail'
import { JobProgress } from '../components/job-progress'
import { ParamsForm } from '../components/params-form'
import { StateBadge } from '../components/state-badge'
import { formatDateTime } from '../format'
import { headlineMetric } from '../jobs/headline-metric'
import { keptEpoch } from '../jobs/kept-epoch'
import { checkParamsDraft } from '../jobs/train-params-draft'
import { useAppStore } from '../store/store-context'
import { selectParamsForm } from '../store/training-slice'
import { DetectionEpochCurves } from '../tasks/detection/detection-epoch-curves'
import {
  classificationMetricsOf,
  detectionEpochsOf,
  detectionMetricsOf,
  isDetectionRun,
} from '../tasks/detection/detection-metrics-of'

export function TrainingScreen() {
  const client = useAppStore((s) => s.selectedClient)
  const live = useAppStore((s) => s.live)
  const runs = useAppStore((s) => s.runs)
  const health = useAppStore((s) => s.health)
  const starting = useAppStore((s) => s.starting)
  const stopping = useAppStore((s) => s.stopping)
  const draft = useAppStore((s) => selectParamsForm(s).draft)
  const trainType = useAppStore((s) => s.trainType)
  const start = useAppStore((s) => s.startTraining)
  const stop = useAppStore((s) => s.stopTraining)
  const resume = useAppStore((s) => s.resumeTraining)
  const go = useAppStore((s) => s.go)
  const [confirmingStop, setConfirmingStop] = useState(false)
  if (client === undefined) return null

  const view = live?.view
  const running = view !== undefined && !isTerminal(view.state)
  const summary = view ? runs.find((run) => run.id === view.jobId) : undefined
  const detection = detectionMetricsOf(view?.result?.metrics)
  const classification = classificationMetricsOf(view?.result?.metrics)
  const kept =
    view &&
    keptEpoch((detection ?? classification)?.bestEpoch, summary?.params.patience, view.epochs)
  const detectionEpochs = view
    ? (detectionEpochsOf(view.epochs) ?? (isDetectionRun(summary) ? [] : undefined))
    : undefined
  const paramsOk = checkParamsDraft(draft, trainType).ok
  const backend =
    classification?.backend ?? (health?.backend === 'pending' ? undefined : health?.backend)
  const lastHeadline = headlineMetric(runs[0]?.result?.metrics)
  const headline = headlineMetric(view?.result?.metrics)
  const logs = view?.logs.slice(-12) ?? []
  const lastRun = runs[0]
  // A checkpoint is written after every finished epoch, except by transfer runs.
  const lastEpoch = view?.epochs.at(-1)?.epoch
  const checkpointed = lastEpoch !== undefined && summary?.params.architecture !== 'transfer'

  return (
    <section className="screen" aria-labelledby="training-title">
      <div className="screen-head">
        <div>
          <h1 id="training-title">Training</h1>
          <p className="screen-lede">
            Syncs {client}&apos;s bucket, validates it, trains{' '}
            {trainType === 'obj_detection' ? 'an object detector' : 'an image classifier'} and
            uploads model.h5 to its model bucket.
          </p>
        </div>
        <div className="button-row">
          <button
            type="button"
            className="button button-primary"
            disabled={running || starting || !paramsOk}
            onClick={() => void start()}
          >
            {starting ? 'Starting…' : 'Start training'}
          </button>
          <button
            type="button"
            className="button button-danger"
            disabled={!running || stopping}
            onClick={() => setConfirmingStop(true)}
          >
            {stopping ? 'Stopping…' : 'Stop'}
          </button>
        </div>
      </div>
      {confirmingStop && (
        <ConfirmDialog
          title="Stop training?"
          confirmLabel="Stop training"
          onCancel={() => setConfirmingStop(false)}
          onConfirm={() => {
            setConfirmingStop(false)
            void stop()
          }}
        >
          {running && checkpointed ? (
            <p>
              The run keeps its checkpoint of epoch {lastEpoch}: you can resume it later from the
              runs list or here, and it ends as if it had never stopped.
            </p>
          ) : (
            <p>
              No checkpoint exists yet
              {summary?.params.architecture === 'transfer'
                ? ' (transfer runs keep none)'
                : ' (no epoch has finished)'}
              : what this run has done so far will be discarded.
            </p>
          )}
        </ConfirmDialog>
      )}
      <div className="training-layout">
        <ParamsForm disabled={running} />
        <div className="training-main">
          {!view && (
            <EmptyState
              title="No training in progress"
              action={
                lastRun && (
                  <button type="button" className="button" onClick={() => go('results')}>
                    View the last run
                  </button>
                )
              }
            >
              <p>
                Set the parameters and start training. Progress and curves appear here as the job
                runs.
              </p>
              {lastRun && (
                <p className="last-run">
                  Last run <StateBadge state={lastRun.state} /> {formatDateTime(lastRun.createdAt)}
                  {lastHeadline && ` · ${lastHeadline.label} ${lastHeadline.value}`}
                </p>
              )}
            </EmptyState>
          )}
          {view && (
            <>
              <div className="job-head" aria-live="polite">
                <StateBadge state={view.state} />
                <span className="job-id">
                  Job <code>{view.jobId}</code>
                </span>
                {summary && (
                  <span className="muted">started {formatDateTime(summary.createdAt)}</span>
                )}
                <span className="job-backend">
                  Backend: <strong>{backend ?? 'choosing…'}</strong>
                </span>
              </div>
              {view.state === 'done' && view.result && (
                <div className="outcome outcome-success">
                  <span>
                    Finished with {headline?.label ?? 'validation accuracy'}{' '}
                    <strong>{headline?.value ?? '—'}</strong>; model stored{' '}
                    {view.result.Storing === 'Succesfull' ? (
                      <>
                        in{' '}
                        <code className="nowrap">
                          {view.result.modelBucket ?? 'the model bucket'}
                        </code>
                      </>
                    ) : (
                      'locally'
                    )}
                    .
                  </span>
                  <button type="button" className="button" onClick={() => go('results')}>
                    View results
                  </button>
                </div>
              )}
              {view.error && view.state !== 'interrupted' && (
                <div className="outcome outcome-danger" role="alert">
                  <ErrorDetail error={view.error} />
                  {view.report && !view.report.ok && (
                    <button type="button" className="button" onClick={() => go('errors')}>
                      View annotation errors
                    </button>
                  )}
                </div>
              )}
              {view.state === 'interrupted' && !view.result?.resumable && (
                <div className="outcome outcome-warning" role="status">
                  Stopped before the end; no model was stored from this run.
                </div>
              )}
              {view.state === 'interrupted' && view.result?.resumable && (
                <div className="outcome outcome-warning" role="status">
                  <span>
                    Stopped after epoch {view.result.checkpointEpoch}; no model was stored yet. The
                    run can go on from there.
                  </span>
                  <button
                    type="button"
                    className="button"
                    disabled={starting}
                    onClick={() => void resume(view.jobId)}
                  >
                    Resume
                  </button>
                </div>
              )}
              <JobProgress view={view} plannedEpochs={summary?.params.epochs} />
              {detectionEpochs ? (
                <DetectionEpochCurves
                  epochs={detectionEpochs}
                  plannedEpochs={summary?.params.epochs}
                  {...(kept !== undefined && { bestEpoch: kept })}
                />
              ) : (
                <EpochCurves
                  epochs={view.epochs}
                  plannedEpochs={summary?.params.epochs}
                  {...(kept !== undefined && { bestEpoch: kept })}
                />
              )}
              {logs.length > 0 && (
                <details className="log">
                  <summary>Log ({view.logs.length} lines)</summary>
                  <ol>
                    {logs.map((line) => (
                      <li key={line.seq} className={`log-${line.level}`}>
                        <time dateTime={line.at}>{new Date(line.at).toLocaleTimeString()}</time>{' '}
                        {line.message}
                      </li>
                    ))}
                  </ol>
                </details>
              )}
            </>
          )}
        </div>
      </div>
    </section>
  )
}
