// One finished run of the selected client (the latest, or the one reopened from Runs): its
// metrics, curves, and when the run has them the confusion matrix, per-class scores and the
// misclassified validation images (a detection run: its COCO evaluation instead); then the model files with their downloads, and "Try it".

import { classificationMetrics } from '../../src-shared/tasks/task-metrics'
import { useEffect } from 'react'
import { isTerminal, JOB_STATES, type JobResult } from '../../src-shared/job-events'
import { ConfusionMatrixTable } from '../components/confusion-matrix'
import { EmptyState } from '../components/empty-state'
import { EpochCurves } from '../components/epoch-curves'
import { ErrorDetail } from '../components/error-detail'
import { LoadStatus } from '../components/load-status'
import { ModelVersions } from '../components/model-versions'
import { MisclassifiedExamples } from '../components/misclassified-examples'
import { PerClassTable } from '../components/per-class-table'
import { PredictPanel } from '../components/predict-panel'
import { StateBadge } from '../components/state-badge'
import {
  formatBytes,
  formatCount,
  formatDateTime,
  formatDuration,
  formatMetric,
  formatPercent,
} from '../format'
import {
  backboneOf,
  confusionMatrixOf,
  keptEpochOf,
  misclassificationsOf,
  perClassScores,
} from '../jobs/metrics-extras'
import { useApi, useAppStore } from '../store/store-context'
import {
  classificationMetricsOf,
  objectEpochsOf,
  objectMetricsOf,
} from '../tasks/detection/detection-metrics-of'
import { DetectionEpochCurves } from '../tasks/detection/detection-epoch-curves'
import { DetectionResults } from '../tasks/detection/detection-results'

/** The seed's result values, spelt as the endpoint keeps them, read correctly in the UI. */
function outcomeText(value: JobResult['Training'] | undefined): string {
  if (value === undefined) return '—'
  return value === 'Succesfull' ? 'Successful' : value
}

function Metric({ label, value }: { label: string; value: string }) {
  return (
    <div className="metric">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  )
}

export function ResultsScreen() {
  const api = useApi()
  const client = useAppStore((s) => s.selectedClient)
  const runs = useAppStore((s) => s.runs)
  const opened = useAppStore((s) => s.openedRun)
  const openedLoad = useAppStore((s) => s.openedRunLoad)
  const openRun = useAppStore((s) => s.openRun)
  const modelFiles = useAppStore((s) => s.modelFiles)
  const modelFilesLoad = useAppStore((s) => s.modelFilesLoad)
  const go = useAppStore((s) => s.go)
  const latestFinished = runs.find((run) => isTerminal(run.state))
  const clientSummary = useAppStore(
    (s) => s.clients.find((row) => row.summary.client === s.selectedClient)?.summary,
  )
  const datasetClasses = useAppStore((s) => s.dataset?.classes)
  const modelBucket = clientSummary?.modelBucket
  const stored = clientSummary?.storedModel

  useEffect(() => {
    if (!opened && latestFinished && openedLoad.status !== 'loading')
      void openRun(latestFinished.id)
  }, [opened, latestFinished, openedLoad.status, openRun])

  if (client === undefined) return null
  const result = opened?.view.result ?? opened?.summary.result
  const detection = objectMetricsOf(result?.metrics)
  const metrics = classificationMetricsOf(result?.metrics)
  const liveDetectionEpochs = opened ? objectEpochsOf(opened.view.epochs) : undefined
  const matrix = metrics ? confusionMatrixOf(metrics) : undefined
  const scores = metrics ? perClassScores(metrics) : undefined
  const mistakes = metrics ? misclassificationsOf(metrics) : undefined
  const kept = metrics ? keptEpochOf(metrics) : undefined
  const backbone = opened ? backboneOf(opened.summary, metrics) : undefined
  const timings = result
    ? JOB_STATES.filter((s) => result.timings[s] !== undefined).map(
        (s) => [s, result.timings[s] ?? 0] as const,
      )
    : []
  const totalMs = timings.reduce((sum, [, ms]) => sum + ms, 0)
  const runError = result?.error ?? opened?.view.error

  return (
    <section className="screen" aria-labelledby="results-title">
      <div className="screen-head">
        <div>
          <h1 id="results-title">Results</h1>
          <p className="screen-lede">
            {opened ? (
              <>
                Run <code>{opened.summary.id}</code> of {formatDateTime(opened.summary.createdAt)}
              </>
            ) : (
              `The latest finished run of ${client}.`
            )}
          </p>
        </div>
        <button type="button" className="button" onClick={() => go('runs')}>
          All runs
        </button>
      </div>
      <LoadStatus load={openedLoad} what="the run" />
      {!opened && !latestFinished && openedLoad.status !== 'loading' && (
        <EmptyState
          title="No finished runs yet"
          action={
            <button type="button" className="button button-primary" onClick={() => go('training')}>
              Go to training
            </button>
          }
        >
          Results appear here when a training run of {client} ends.
        </EmptyState>
      )}
      {opened && (
        <>
          <div className="job-head">
            <StateBadge state={opened.view.state} />
            <span>
              Training: <strong>{outcomeText(result?.Training)}</strong> · Storing:{' '}
              <strong>{outcomeText(result?.Storing)}</strong>
            </span>
          </div>
          {result?.promoted !== undefined && (
            <p className={result.promoted ? 'muted' : 'outcome outcome-warning'}>
              {result.promoted ? 'Promoted to the stored model' : 'Not promoted'}
              {result.promotion && `: ${result.promotion.reason}`}
            </p>
          )}
          {runError && (
            <div
              className={
                opened.view.state === 'interrupted'
                  ? 'outcome outcome-warning'
                  : 'outcome outcome-danger'
              }
            >
              <ErrorDetail error={runError} />
            </div>
          )}
          {(result?.skippedImageCount ?? 0) > 0 && (
            <div className="outcome outcome-warning" role="note">
              <p>
                {formatCount(result?.skippedImageCount ?? 0, 'image')} could not be read and{' '}
                {result?.skippedImageCount === 1 ? 'was' : 'were'} left out of this run.{' '}
                <button type="button" className="link-button" onClick={() => go('errors')}>
                  See which
                </button>
              </p>
            </div>
          )}
          {detection && (
            <DetectionResults
              metrics={detection}
              liveEpochs={liveDetectionEpochs}
              plannedEpochs={opened.summary.params.epochs}
              totalMs={totalMs}
              thumbnailUrl={(file) => api.thumbnailUrl(client, file, 320)}
            />
          )}
          {metrics && (
            <dl className="metrics">
              <Metric
                label="Val. accuracy"
                value={formatPercent(classificationMetrics(metrics)?.finalValAccuracy)}
              />
              <Metric label="Val. loss" value={formatMetric(metrics.finalValLoss)} />
              <Metric
                label="Train / val. images"
                value={`${metrics.trainImages} / ${metrics.valImages}`}
              />
              <Metric label="Classes" value={String(metrics.classes.length)} />
              <Metric label="Epochs" value={String(metrics.epochs.length)} />
              {kept && <Metric label="Best epoch" value={String(kept.bestEpoch)} />}
              <Metric label="Backend" value={metrics.backend ?? '—'} />
              <Metric label="Total time" value={formatDuration(totalMs)} />
            </dl>
          )}
          {backbone && (
            <p className="run-backbone">
              Transfer learning from <code>{backbone.backbone}</code>
              {backbone.fineTuneLayers > 0
                ? `, its last ${backbone.fineTuneLayers} layers fine-tuned.`
                : ', backbone frozen.'}
            </p>
          )}
          {result?.backboneFallback && (
            <p className="run-backbone" role="note">
              <code>{result.backboneFallback.backbone}</code> could not be downloaded, so this run
              trained {result.backboneFallback.architecture} from scratch (
              {result.backboneFallback.error.code}).
            </p>
          )}
          {kept?.stoppedEarly && (
            <p className="stopped-early">
              Training stopped early after {metrics?.epochs.length} of{' '}
              {opened.summary.params.epochs} epochs: validation loss stopped improving. The model
              keeps the weights of epoch {kept.bestEpoch}.
            </p>
          )}
          {!detection && (
            <>
              <h2 className="section-title">Curves</h2>
              {liveDetectionEpochs ? (
                <DetectionEpochCurves
                  epochs={liveDetectionEpochs}
                  plannedEpochs={opened.summary.params.epochs}
                />
              ) : opened.view.epochs.length > 0 || metrics ? (
                <EpochCurves
                  epochs={
                    opened.view.epochs.length > 0 ? opened.view.epochs : (metrics?.epochs ?? [])
                  }
                  plannedEpochs={opened.summary.params.epochs}
                  bestEpoch={kept?.bestEpoch}
                />
              ) : (
                <p className="muted">This run ended before its first epoch.</p>
              )}
            </>
          )}
          {(matrix || scores) && (
            <div className="results-grid">
              {matrix && <ConfusionMatrixTable matrix={matrix} />}
              {scores && <PerClassTable scores={scores} />}
            </div>
          )}
          {mistakes && (
            <>
              <h2 className="section-title">Misclassified examples</h2>
              <MisclassifiedExamples
                mistakes={mistakes}
                thumbnailUrl={(file) => api.thumbnailUrl(client, file, 160)}
              />
            </>
          )}
          {timings.length > 0 && (
            <>
              <h2 className="section-title">Time per stage</h2>
              <ul className="timings">
                {timings.map(([stage, ms]) => (
                  <li key={stage}>
                    <span>{stage}</span> <strong>{formatDuration(ms)}</strong>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      <h2 className="section-title">Model bucket</h2>
      <p className="muted">
        {modelBucket ? <code>{modelBucket}</code> : 'The model bucket'} holds the stored model of{' '}
        {client}, whichever run stored it
        {stored?.jobId ? (
          <>
            {' '}
            (run <code>{stored.jobId}</code>
            {stored.storedAt ? `, ${formatDateTime(stored.storedAt)}` : ''}
            {stored.valAccuracy !== undefined
              ? `, val. accuracy ${formatPercent(stored.valAccuracy)}`
              : ''}
            )
          </>
        ) : (
          ''
        )}
        .
        {opened &&
          modelFiles.length > 0 &&
          (stored?.jobId !== undefined
            ? stored.jobId !== opened.summary.id
            : result?.Storing !== 'Succesfull') && (
            <strong> These files are not this run&apos;s model.</strong>
          )}
      </p>
      <LoadStatus load={modelFilesLoad} what="the model bucket" />
      {modelFilesLoad.status === 'ready' && modelFiles.length === 0 && (
        <p className="muted">The model bucket holds no files yet.</p>
      )}
      {modelFiles.length > 0 && (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Files in the model bucket</caption>
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">
                  <span className="visually-hidden">Download</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {modelFiles.map((file) => (
                <tr key={file.key}>
                  <td className="mono">{file.key}</td>
                  <td className="num">{formatBytes(file.bytes)}</td>
                  <td>
                    <a
                      href={api.modelFileUrl(client, file.key)}
                      download={file.key.split('/').at(-1)}
                      aria-label={`Download ${file.key}`}
                    >
                      Download
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PredictPanel
        key={client}
        api={api}
        client={client}
        hasModel={modelFiles.some((file) => file.key === 'model.json')}
        categoryIds={datasetClasses?.map((c) => c.categoryId)}
        {...(clientSummary?.trainType !== undefined && { task: clientSummary.trainType })}
      />
      <h2 className="section-title">Model versions</h2>
      <ModelVersions client={client} {...(opened && { refreshKey: opened.summary.id })} />
      {result?.localModelDir && (
        <p className="muted">
          The upload did not happen; the model files stay in <code>{result.localModelDir}</code>.
        </p>
      )}
    </section>
  )
}
