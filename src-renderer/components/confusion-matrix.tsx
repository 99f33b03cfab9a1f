// The confusion matrix as a heat map table: rows are the actual class, columns the predicted one;
// shading follows each row's share, and every cell keeps its count as text (the colour only adds).

import type { ConfusionCounts } from '../../src-shared/job-events'
import { formatPercent } from '../format'

export function ConfusionMatrixTable({ matrix }: { matrix: ConfusionCounts }) {
  return (
    <div className="table-wrap">
      <table className="matrix">
        <caption>
          Confusion matrix <span className="caption-note">validation images</span>
        </caption>
        <thead>
          <tr>
            <td className="matrix-corner">
              <span className="muted">
                actual ↓ <span className="visually-hidden">by</span> predicted →
              </span>
            </td>
            {matrix.labels.map((label) => (
              <th key={label} scope="col">
                {label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.counts.map((row, r) => {
            const total = row.reduce((sum, v) => sum + v, 0)
            const actual = matrix.labels[r] ?? ''
            return (
              <tr key={actual}>
                <th scope="row">{actual}</th>
                {row.map((count, c) => {
                  const share = total > 0 ? count / total : 0
                  const hit = r === c
                  return (
                    <td
                      key={c}
                      className={hit ? 'matrix-hit' : count > 0 ? 'matrix-miss' : 'matrix-empty'}
                      style={{ ['--share' as string]: share.toFixed(3) }}
                      title={`${actual} predicted as ${matrix.labels[c] ?? ''}: ${count} (${formatPercent(share, 0)} of ${actual})`}
                    >
                      {count}
                    </td>
                  )
                })}
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
