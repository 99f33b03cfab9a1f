// The client's model versions: one row per run whose set the model bucket keeps (job id, when it
// was stored, its validation scores, whether it is the promoted one), with a button that makes an
// older or unpromoted version the stored model. It loads on its own so the screens stay as they are.

import { useCallback, useEffect, useState } from 'react'
import { toAppError, type AppError } from '../../src-shared/errors'
import type { ModelVersion } from '../../src-shared/model-versions'
import { formatDateTime, formatMetric, formatPercent } from '../format'
import { useApi } from '../store/store-context'
import { ErrorDetail } from './error-detail'

/** What the last answer said, and for which client and refresh it was asked. */
type VersionsState = { key: string } & (
  { status: 'ready'; versions: ModelVersion[] } | { status: 'failed'; error: AppError }
)

/** A version's score: a classifier's accuracy, an object model's mAP@.5 (on masks, a segmenter's). */
function scoreText(metrics: ModelVersion['metrics']): string {
  if (metrics?.finalValAccuracy === undefined && metrics?.finalValMap50 !== undefined) {
    const label = metrics.task === 'instance_segmentation' ? 'mask mAP@.5' : 'mAP@.5'
    return `${label} ${formatMetric(metrics.finalValMap50, 3)}`
  }
  return formatPercent(metrics?.finalValAccuracy)
}

export function ModelVersions({ client, refreshKey }: { client: string; refreshKey?: string }) {
  const api = useApi()
  const key = `${client}\n${refreshKey ?? ''}`
  const [answer, setAnswer] = useState<VersionsState | undefined>()
  const [promoting, setPromoting] = useState<string | undefined>()
  const [promoteError, setPromoteError] = useState<AppError | undefined>()

  useEffect(() => {
    let current = true
    api.listModelVersions(client).then(
      (versions) => current && setAnswer({ key, status: 'ready', versions }),
      (thrown: unknown) =>
        current && setAnswer({ key, status: 'failed', error: toAppError(thrown) }),
    )
    return () => {
      current = false
    }
  }, [api, client, key])

  const promote = useCallback(
    async (jobId: string) => {
      setPromoting(jobId)
      setPromoteError(undefined)
      try {
        const versions = await api.promoteModelVersion(client, jobId)
        setAnswer({ key, status: 'ready', versions })
      } catch (thrown) {
        setPromoteError(toAppError(thrown))
      } finally {
        setPromoting(undefined)
      }
    },
    [api, client, key],
  )

  // An answer for another client or refresh is not shown: the new one is on its way.
  const state = answer?.key === key ? answer : undefined
  if (state === undefined)
    return (
      <p className="load-status" role="status">
        Loading the model versions…
      </p>
    )
  if (state.status === 'failed')
    return (
      <div className="load-status load-failed" role="alert">
        <p>Could not load the model versions.</p>
        <ErrorDetail error={state.error} />
      </div>
    )
  if (state.versions.length === 0)
    return <p className="muted">No run of {client} has stored a model version yet.</p>
  return (
    <>
      {promoteError && (
        <div className="outcome outcome-danger" role="alert">
          <ErrorDetail error={promoteError} />
        </div>
      )}
      <div className="table-wrap">
        <table className="data-table">
          <caption className="visually-hidden">Model versions of {client}</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Stored</th>
              <th scope="col" className="num">
                Val. accuracy
              </th>
              <th scope="col" className="num">
                Val. loss
              </th>
              <th scope="col">Model</th>
              <th scope="col">Download</th>
            </tr>
          </thead>
          <tbody>
            {state.versions.map((version) => (
              <tr key={version.jobId}>
                <td className="mono" title={version.files.map((f) => f.key).join('\n')}>
                  {version.jobId}
                </td>
                <td>{formatDateTime(version.storedAt)}</td>
                <td className="num">{scoreText(version.metrics)}</td>
                <td className="num">{formatMetric(version.metrics?.finalValLoss)}</td>
                <td>
                  {version.promoted ? (
                    <strong>Promoted</strong>
                  ) : (
                    <button
                      type="button"
                      className="button button-small"
                      disabled={promoting !== undefined}
                      onClick={() => void promote(version.jobId)}
                      aria-label={`Promote ${version.jobId}`}
                    >
                      {promoting === version.jobId ? 'Promoting…' : 'Promote'}
                    </button>
                  )}
                </td>
                <td>
                  {version.files
                    .filter((file) => file.key.endsWith('/model.h5'))
                    .map((file) => (
                      <a
                        key={file.key}
                        href={api.modelFileUrl(client, file.key)}
                        download
                        aria-label={`Download model.h5 of ${version.jobId}`}
                      >
                        model.h5
                      </a>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}
