// Every client (dataset bucket) with its dataset size and its last run; picking one opens it.

import { EmptyState } from '../components/empty-state'
import { LoadStatus } from '../components/load-status'
import { StateBadge } from '../components/state-badge'
import { formatDateTime, formatPercent } from '../format'
import { useAppStore } from '../store/store-context'

export function ClientsScreen() {
  const clients = useAppStore((s) => s.clients)
  const load = useAppStore((s) => s.clientsLoad)
  const selected = useAppStore((s) => s.selectedClient)
  const health = useAppStore((s) => s.health)
  const selectClient = useAppStore((s) => s.selectClient)
  const loadClients = useAppStore((s) => s.loadClients)
  const go = useAppStore((s) => s.go)

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
            <caption className="visually-hidden">Clients and their last run</caption>
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col" className="num">
                  Images
                </th>
                <th scope="col" className="num">
                  Classes
                </th>
                <th scope="col">Last run</th>
                <th scope="col" className="num">
                  Val. accuracy
                </th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {clients.map(({ summary, dataset }) => (
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
                    {dataset ? (
                      dataset.synced ? (
                        dataset.images
                      ) : (
                        <span className="muted">not synced</span>
                      )
                    ) : (
                      '…'
                    )}
                  </td>
                  <td className="num">
                    {dataset ? (dataset.synced ? dataset.classes : '—') : '…'}
                  </td>
                  <td>
                    {summary.lastJob ? (
                      <StateBadge state={summary.lastJob.state} />
                    ) : (
                      <span className="muted">never</span>
                    )}
                  </td>
                  <td className="num">{formatPercent(summary.lastJob?.valAccuracy)}</td>
                  <td>{formatDateTime(summary.lastJob?.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
