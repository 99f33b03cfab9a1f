// Distributed mode's workers: which machines take jobs, on which backend and threads, and the job
// each runs now, refreshed every few seconds while shown. On one machine it says there is no fleet.

import { useEffect } from 'react'
import { formatDateTime } from '../format'
import { useAppStore } from '../store/store-context'

const REFRESH_MS = 5000

export function FleetWorkersPanel() {
  const workers = useAppStore((s) => s.workers)
  const loadWorkers = useAppStore((s) => s.loadWorkers)

  useEffect(() => {
    void loadWorkers()
    const timer = setInterval(() => void loadWorkers(), REFRESH_MS)
    return () => clearInterval(timer)
  }, [loadWorkers])

  return (
    <section className="panel" aria-labelledby="fleet-workers-title">
      <h2 id="fleet-workers-title" className="panel-title">
        Workers
      </h2>
      {!workers ? (
        <p className="muted">Reading the workers…</p>
      ) : !workers.distributed ? (
        <p className="muted">
          One machine: jobs run here, one queue in this process. Set a Redis URL to share jobs with
          workers on other machines (README, Fleet).
        </p>
      ) : workers.workers.length === 0 ? (
        <p role="status">No worker is connected: queued jobs wait until one starts.</p>
      ) : (
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">Backend</th>
              <th scope="col" className="num">
                Threads
              </th>
              <th scope="col">Job</th>
              <th scope="col">Seen</th>
            </tr>
          </thead>
          <tbody>
            {workers.workers.map((worker) => (
              <tr key={worker.id}>
                <td title={worker.id}>
                  {worker.host} <span className="muted">pid {worker.pid}</span>
                </td>
                <td>{worker.backend}</td>
                <td className="num">{worker.threads}</td>
                <td>
                  {worker.job
                    ? `${worker.job.client} · ${worker.job.state} (${worker.job.id})`
                    : 'idle'}
                </td>
                <td>{formatDateTime(worker.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
