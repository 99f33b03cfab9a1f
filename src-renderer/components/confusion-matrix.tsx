// The confusion matrix as a heat map table: rows are the actual class, columns the predicted one;
// shading follows each row's share, and every cell keeps its count as text.

import type { ConfusionMatrix } from '../jobs/metrics-extras'

export function ConfusionMatrixTable({ matrix }: { matrix: ConfusionMatrix }) {
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
            return (
              <tr key={matrix.labels[r]}>
                <th scope="row">{matrix.labels[r]}</th>
                {row.map((count, c) => {
                  const share = total > 0 ? count / total : 0
                  const tone = r === c ? 'matrix-hit' : 'matrix-miss'
                  return (
                    <td
                      key={c}
                      className={share > 0.55 ? `${tone} matrix-strong` : tone}
                      style={{ ['--share' as string]: `${Math.round(share * 100)}%` }}
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
