// The validation report of the selected client's dataset: one row per finding, each naming the
// JSON path and the image it is about, with a link that opens that image; then the images
// training leaves out, with the reason for each.

import { EmptyState } from '../components/empty-state'
import { LoadStatus } from '../components/load-status'
import { formatCount } from '../format'
import { useAppStore } from '../store/store-context'
import { SyncButton } from './dataset-screen'

export function ErrorsScreen() {
  const dataset = useAppStore((s) => s.dataset)
  const load = useAppStore((s) => s.datasetLoad)
  const showImage = useAppStore((s) => s.showImage)
  const report = dataset?.report
  const skipped = dataset?.skippedImages ?? []
  const skippedCount = dataset?.skippedImageCount ?? 0

  return (
    <section className="screen" aria-labelledby="errors-title">
      <div className="screen-head">
        <div>
          <h1 id="errors-title">Annotation errors</h1>
          <p className="screen-lede">
            {report
              ? report.ok
                ? `Training may start: ${formatCount(report.warnings, 'warning')}, no errors.`
                : `Training is blocked by ${formatCount(report.errors, 'error')} (${formatCount(report.warnings, 'warning')}).`
              : 'Problems found in annotations.json and the image files.'}
          </p>
        </div>
        <SyncButton />
      </div>
      <LoadStatus load={load} what="the validation report" />
      {dataset && !report && (
        <EmptyState title="Not validated yet" action={<SyncButton />}>
          Sync the dataset to validate its annotations.
        </EmptyState>
      )}
      {report && report.findings.length === 0 && skippedCount === 0 && (
        <EmptyState title="No annotation problems" tone="success">
          annotations.json and every image file passed validation.
        </EmptyState>
      )}
      {report && report.findings.length > 0 && (
        <div className="table-wrap">
          <table className="data-table findings-table">
            <caption className="visually-hidden">Validation findings</caption>
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Code</th>
                <th scope="col">Message</th>
                <th scope="col">JSON path</th>
                <th scope="col">Image</th>
              </tr>
            </thead>
            <tbody>
              {report.findings.map((finding, index) => (
                <tr key={`${finding.code}-${index}`}>
                  <td>
                    <span
                      className={
                        finding.severity === 'error' ? 'badge badge-danger' : 'badge badge-warning'
                      }
                    >
                      {finding.severity === 'error' ? 'Error' : 'Warning'}
                    </span>
                  </td>
                  <td>
                    <code>{finding.code}</code>
                  </td>
                  <td>{finding.message}</td>
                  <td>
                    {finding.path ? <code>{finding.path}</code> : <span className="muted">—</span>}
                    {finding.line !== undefined && (
                      <span className="cell-sub">
                        line {finding.line}
                        {finding.column !== undefined ? `, column ${finding.column}` : ''}
                      </span>
                    )}
                  </td>
                  <td>
                    {finding.file ? (
                      <button
                        type="button"
                        className="link-button mono"
                        aria-label={`Open image ${finding.file}`}
                        onClick={() => showImage(finding.file ?? '')}
                      >
                        {finding.file}
                      </button>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {skippedCount > 0 && (
        <>
          <h2 className="section-title">Skipped images</h2>
          <p className="outcome outcome-warning" role="note">
            Training leaves out {formatCount(skippedCount, 'image')} that cannot be read
            {skipped.length < skippedCount ? ` (the first ${skipped.length} are listed)` : ''}.
          </p>
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Images left out of training</caption>
              <thead>
                <tr>
                  <th scope="col">Image</th>
                  <th scope="col">Code</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {skipped.map((image) => (
                  <tr key={image.file}>
                    <td>
                      <button
                        type="button"
                        className="link-button mono"
                        aria-label={`Open skipped image ${image.file}`}
                        onClick={() => showImage(image.file)}
                      >
                        {image.file}
                      </button>
                    </td>
                    <td>
                      <code>{image.code}</code>
                    </td>
                    <td>{image.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  )
}
