// Every client (dataset bucket) with its dataset size, the model its bucket holds and, apart from
// it, its last run; picking one opens it.

import { EmptyState } from '../components/empty-state'
import { LoadStatus } from '../components/load-status'
import { StateBadge } from '../components/state-badge'
import { isTerminal } from '../../src-shared/job-events'
import type { ClientSummary } from '../../src-shared/http-api'
import { formatDateTime, formatPercent } from '../format'
import { useAppStore } from '../store/store-context'

function DatasetCell({ dataset }: { dataset: ClientSummary['dataset'] }) {
  if (!dataset) return <span className="muted">not synced</span>
  if (dataset.empty) return <span className="muted">empty</span>
  return (
    <>
      {dataset.images}
      {dataset.skippedImages > 0 && (
        <span className="cell-sub text-warning">{dataset.skippedImages} skipped</span>
      )}
    </>
  )
}

function StoredModelCell({ model }: { model: ClientSummary['storedModel'] }) {
  if (!model) return <span className="muted">none</span>
  return (
    <>
      {formatPercent(model.valAccuracy)}
      <span className="cell-sub">
        {formatDateTime(model.storedAt)}
        {model.jobId ? ` · run ${model.jobId.slice(0, 8)}` : ''}
      </span>
    </>
  )
}

function LastRunCell({ lastJob }: { lastJob: ClientSummary['lastJob'] }) {
  if (!lastJob) return <span className="muted">never</span>
  return (
    <>
      {!isTerminal(lastJob.state) && <span className="badge badge-active">Running</span>}{' '}
      <StateBadge state={lastJob.state} />
      <span className="cell-sub">{formatDateTime(lastJob.updatedAt)}</span>
    </>
  )
}

export function ClientsScreen() {
  const clients = useAppStore((s) => s.clients)
  const load = useAppStore((s) => s.clientsLoad)
  const selected = useAppStore((s) => s.selectedClient)
  const health = useAppStore((s) => s.health)
  const selectClient = useAppStore((s) => s.selectClient)
  const loadClients = useAppStore((s) => s.loadClients)
  const go = useAppStore((s) => s.go)
  const live = useAppStore((s) => s.live)

  const open = (client: string): void => {
    selectClient(client)
    go('dataset')
  }

  return (
    <section className="screen" aria-labelledby="clients-title">
      <div className="screen-head">
        <div>
          <h1 id="clients-title">Clients</h1>
          <p className="screen-lede">
            Each client is a dataset bucket{health ? ` named ${health.bucketPrefix}<client>` : ''};
            its model goes to the matching model bucket.
          </p>
        </div>
        <button type="button" className="button" onClick={() => void loadClients()}>
          Refresh
        </button>
      </div>
      <LoadStatus load={load} what="clients" />
      {load.status === 'ready' && clients.length === 0 && (
        <EmptyState title="No client buckets yet">
          Create a bucket named{' '}
          <code>{health?.bucketPrefix ?? 'training-server-'}&lt;client&gt;</code> holding{' '}
          <code>coco/annotations.json</code> and <code>images/</code>, then refresh.
        </EmptyState>
      )}
      {clients.length > 0 && (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">
              Clients, their stored models and their last runs
            </caption>
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col" className="num">
                  Images
                </th>
                <th scope="col" className="num">
                  Classes
                </th>
                <th scope="col" className="num">
                  Stored model
                </th>
                <th scope="col">Last run</th>
              </tr>
            </thead>
            <tbody>
              {clients.map(({ summary }) => (
                <tr
                  key={summary.client}
                  className={summary.client === selected ? 'row-selected' : undefined}
                >
                  <th scope="row">
                    <button
                      type="button"
                      className="link-button"
                      aria-current={summary.client === selected ? 'true' : undefined}
                      onClick={() => open(summary.client)}
                    >
                      {summary.client}
                    </button>
                    <span className="cell-sub">{summary.datasetBucket}</span>
                  </th>
                  <td className="num">
                    <DatasetCell dataset={summary.dataset} />
                  </td>
                  <td className="num">{summary.dataset?.classes ?? '—'}</td>
                  <td className="num">
                    <StoredModelCell model={summary.storedModel} />
                  </td>
                  <td>
                    <LastRunCell
                      lastJob={
                        // The job followed live is newer than the list loaded before it started.
                        live?.client === summary.client
                          ? {
                              id: live.view.jobId,
                              state: live.view.state,
                              updatedAt: summary.lastJob?.updatedAt ?? '',
                            }
                          : summary.lastJob
                      }
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
