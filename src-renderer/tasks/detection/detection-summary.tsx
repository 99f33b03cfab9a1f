// COCO's summary of a detection run (a segmenter's: on masks, with its boxes' beside), the
// numbers every published mAP means, and the per-class AP table. COCO writes -1 where nothing was measurable (no small objects, say): shown as "—".

import type { CocoClassAp, CocoSummaryStats } from '../../../src-shared/coco-eval-report'
import { formatMetric } from '../../format'
import type { ClassColours } from './class-colours'

export function formatAp(value: number | null | undefined): string {
  if (value === null || value === undefined || value < 0) return '—'
  return formatMetric(value, 3)
}

const SUMMARY: { key: keyof CocoSummaryStats; label: string }[] = [
  { key: 'ap', label: 'mAP@[.5:.95]' },
  { key: 'ap50', label: 'mAP@.5' },
  { key: 'ap75', label: 'mAP@.75' },
  { key: 'apSmall', label: 'mAP small' },
  { key: 'apMedium', label: 'mAP medium' },
  { key: 'apLarge', label: 'mAP large' },
  { key: 'ar100', label: 'AR@100' },
]

export function CocoSummary({
  stats,
  of,
}: {
  stats: CocoSummaryStats
  /** What was evaluated, when a run has more than one summary ('mask', 'box'). */
  of?: string
}) {
  return (
    <dl
      className="metrics coco-summary"
      aria-label={of ? `COCO evaluation (${of})` : 'COCO evaluation'}
    >
      {SUMMARY.map(({ key, label }) => (
        <div className="metric" key={key}>
          <dt>{of ? `${of} ${label}` : label}</dt>
          <dd>{formatAp(stats[key])}</dd>
        </div>
      ))}
    </dl>
  )
}

export function ClassApTable({
  perClass,
  names,
  colours,
  caption = 'Per-class AP',
}: {
  perClass: CocoClassAp[]
  names: (categoryId: number) => string
  colours: ClassColours
  caption?: string
}) {
  return (
    <div className="table-wrap">
      <table className="data-table class-ap-table">
        <caption>
          {caption} <span className="caption-note">validation images</span>
        </caption>
        <thead>
          <tr>
            <th scope="col">Class</th>
            <th scope="col" className="num">
              AP@[.5:.95]
            </th>
            <th scope="col" className="num">
              AP@.5
            </th>
          </tr>
        </thead>
        <tbody>
          {perClass.map((c) => (
            <tr key={c.categoryId}>
              <th scope="row">
                <span
                  className="class-swatch"
                  style={{ borderColor: colours(c.categoryId) }}
                  aria-hidden="true"
                />
                {names(c.categoryId)}
              </th>
              <td className="num">{formatAp(c.ap)}</td>
              <td className="num">{formatAp(c.ap50)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
