// The loading and failure states of one request, so every screen reports them the same way.

import type { Load } from '../store/store-types'
import { ErrorDetail } from './error-detail'

export function LoadStatus({ load, what }: { load: Load; what: string }) {
  if (load.status === 'loading')
    return (
      <p className="load-status" role="status">
        Loading {what}…
      </p>
    )
  if (load.status === 'failed')
    return (
      <div className="load-status load-failed" role="alert">
        <p>Could not load {what}.</p>
        <ErrorDetail error={load.error} />
      </div>
    )
  return null
}
