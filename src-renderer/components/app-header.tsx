// The top bar: the product, the selected client, the training backend and the storage in use.

import { useAppStore } from '../store/store-context'

export function AppHeader() {
  const health = useAppStore((s) => s.health)
  const client = useAppStore((s) => s.selectedClient)
  return (
    <header className="app-header">
      <div className="brand">
        <svg className="brand-mark" viewBox="0 0 24 24" aria-hidden="true">
          <path
            d="M4 18 9 11l4 4 7-10"
            fill="none"
            strokeWidth="2.4"
            strokeLinecap="round"
            strokeLinejoin="round"
          />
        </svg>
        <span className="brand-name">Training Server</span>
      </div>
      <dl className="header-facts">
        <div>
          <dt>Client</dt>
          <dd>{client ?? 'none selected'}</dd>
        </div>
        <div>
          <dt>Backend</dt>
          <dd>
            {health
              ? health.backend === 'pending'
                ? 'chosen at first training'
                : health.backend
              : '—'}
          </dd>
        </div>
        <div>
          <dt>Storage</dt>
          <dd title={health?.s3.endpoint}>
            {health ? (health.s3.embedded ? 'embedded S3' : health.s3.endpoint) : '—'}
          </dd>
        </div>
      </dl>
    </header>
  )
}
