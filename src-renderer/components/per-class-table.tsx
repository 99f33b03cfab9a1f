// Precision, recall, F1 and the number of validation images for each class.

import type { ClassScores } from '../../src-shared/job-events'
import { formatPercent } from '../format'

export function PerClassTable({ scores }: { scores: ClassScores[] }) {
  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption>
          Per-class scores <span className="caption-note">validation images</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col" className="num">
              Precision
            </th>
            <th scope="col" className="num">
              Recall
            </th>
            <th scope="col" className="num">
              F1
            </th>
            <th scope="col" className="num">
              Images
            </th>
          </tr>
        </thead>
        <tbody>
          {scores.map((s) => (
            <tr key={s.name}>
              <th scope="row">{s.name}</th>
              <td className="num">{formatPercent(s.precision)}</td>
              <td className="num">{formatPercent(s.recall)}</td>
              <td className="num">{formatPercent(s.f1)}</td>
              <td className="num">{s.support}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
