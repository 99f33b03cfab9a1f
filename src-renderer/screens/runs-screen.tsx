// The selected client's run history, newest first; any run reopens on the results screen with its
// curves rebuilt from its stored event log; an interrupted run that kept a checkpoint resumes.

import { EmptyState } from '../components/empty-state'
import { LoadStatus } from '../components/load-status'
import { StateBadge } from '../components/state-badge'
import { formatDateTime, formatDuration, formatMetric, formatPercent } from '../format'
import { backboneOf } from '../jobs/metrics-extras'
import {
  classificationMetricsOf,
  detectionMetricsOf,
} from '../tasks/detection/detection-metrics-of'
import { useAppStore } from '../store/store-context'

/** The backbone's last two path segments ("mobilenet/model.json"): enough to tell runs apart. */
function backboneShortName(backbone: string): string {
  const segments = backbone
    .replace(/[?#].*$/, '')
    .split(/[\\/]+/)
    .filter(Boolean)
  return segments.slice(-2).join('/') || backbone
}

export function RunsScreen() {
  const client = useAppStore((s) => s.selectedClient)
  const runs = useAppStore((s) => s.runs)
  const load = useAppStore((s) => s.runsLoad)
  const opened = useAppStore((s) => s.openedRun)
  const loadRuns = useAppStore((s) => s.loadRuns)
  const openRun = useAppStore((s) => s.openRun)
  const resumeRun = useAppStore((s) => s.resumeTraining)
  const starting = useAppStore((s) => s.starting)
  const go = useAppStore((s) => s.go)
  if (client === undefined) return null
  // A run continued by a later one handed its checkpoint over.
  const continued = new Set(runs.map((run) => run.resumeOf))
  const resume = (id: string): void => {
    void resumeRun(id)
    go('training')
  }

  const reopen = (id: string): void => {
    void openRun(id)
    go('results')
  }

  return (
    <section className="screen" aria-labelledby="runs-title">
      <div className="screen-head">
        <div>
          <h1 id="runs-title">Runs</h1>
          <p className="screen-lede">Every training run of {client}, newest first.</p>
        </div>
        <button type="button" className="button" onClick={() => void loadRuns(client)}>
          Refresh
        </button>
      </div>
      <LoadStatus load={load} what="the runs" />
      {load.status === 'ready' && runs.length === 0 && (
        <EmptyState title="No runs yet">Start one on the training screen.</EmptyState>
      )}
      {runs.length > 0 && (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Training runs of {client}</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">State</th>
                <th scope="col" className="num">
                  Epochs
                </th>
                <th scope="col" className="num">
                  Val. accuracy
                </th>
                <th scope="col" className="num">
                  Duration
                </th>
                <th scope="col">Job</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => {
                const detection = detectionMetricsOf(run.result?.metrics)
                const metrics = classificationMetricsOf(run.result?.metrics)
                const backbone = backboneOf(run, metrics)
                const epochsRun = (metrics ?? detection)?.epochs.length
                const duration = Date.parse(run.updatedAt) - Date.parse(run.createdAt)
                return (
                  <tr
                    key={run.id}
                    className={opened?.summary.id === run.id ? 'row-selected' : undefined}
                  >
                    <td>{formatDateTime(run.createdAt)}</td>
                    <td>
                      <StateBadge state={run.state} />
                    </td>
                    <td className="num">
                      {epochsRun !== undefined
                        ? `${epochsRun} / ${run.params.epochs}`
                        : `— / ${run.params.epochs}`}
                    </td>
                    <td className="num">
                      {detection
                        ? `mAP@.5 ${formatMetric(detection.finalValMap50, 3)}`
                        : formatPercent(metrics?.finalValAccuracy)}
                    </td>
                    <td className="num">{formatDuration(duration)}</td>
                    <td>
                      <code>{run.id}</code>
                      {backbone && (
                        <span className="muted run-backbone-name">
                          transfer from {backboneShortName(backbone.backbone)}
                        </span>
                      )}
                    </td>
                    <td>
                      <button
                        type="button"
                        className="button button-small"
                        aria-label={`Open run ${run.id}`}
                        onClick={() => reopen(run.id)}
                      >
                        Open
                      </button>
                      {run.result?.resumable && !continued.has(run.id) && (
                        <button
                          type="button"
                          className="button button-small"
                          aria-label={`Resume run ${run.id} from epoch ${run.result.checkpointEpoch}`}
                          disabled={starting}
                          onClick={() => resume(run.id)}
                        >
                          Resume
                        </button>
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
