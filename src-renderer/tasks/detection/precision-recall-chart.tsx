// Each class's precision–recall curve at IoU .5 (COCO's 101 recall points), one line per class
// in its box colour, so a class the AP table ranks low shows where it loses: early precision or
// the recall it never reaches.

import type { CocoPrecisionRecallCurve } from '../../../src-shared/coco-eval-report'
import type { ClassColours } from './class-colours'

const SIZE = 300
const PAD = { left: 40, right: 12, top: 12, bottom: 34 }
const TICKS = [0, 0.25, 0.5, 0.75, 1]

export function PrecisionRecallChart({
  curves,
  names,
  colours,
}: {
  curves: CocoPrecisionRecallCurve[]
  names: (categoryId: number) => string
  colours: ClassColours
}) {
  const plot = SIZE - PAD.left - PAD.right
  const plotH = SIZE - PAD.top - PAD.bottom
  const sx = (r: number) => PAD.left + r * plot
  const sy = (p: number) => PAD.top + plotH - Math.min(Math.max(p, 0), 1) * plotH
  const label = `Precision–recall at IoU .5: ${curves.map((c) => names(c.categoryId)).join(', ')}`
  return (
    <figure className="chart pr-chart" data-curves={curves.length}>
      <figcaption className="chart-title">Precision–recall (IoU .5)</figcaption>
      <svg viewBox={`0 0 ${SIZE} ${SIZE}`} role="img" aria-label={label}>
        {TICKS.map((t) => (
          <g key={t}>
            <line className="chart-grid" x1={sx(0)} x2={sx(1)} y1={sy(t)} y2={sy(t)} />
            <text
              className="chart-tick"
              x={PAD.left - 6}
              y={sy(t)}
              textAnchor="end"
              dominantBaseline="middle"
            >
              {t}
            </text>
            <text className="chart-tick" x={sx(t)} y={SIZE - PAD.bottom + 16} textAnchor="middle">
              {t}
            </text>
          </g>
        ))}
        <text className="chart-tick" x={PAD.left + plot / 2} y={SIZE - 4} textAnchor="middle">
          Recall
        </text>
        <text
          className="chart-tick"
          transform={`translate(10 ${PAD.top + plotH / 2}) rotate(-90)`}
          textAnchor="middle"
        >
          Precision
        </text>
        {curves.map((curve) => (
          <polyline
            key={curve.categoryId}
            className="pr-curve"
            data-category={curve.categoryId}
            fill="none"
            stroke={colours(curve.categoryId)}
            points={curve.recall.map((r, i) => `${sx(r)},${sy(curve.precision[i] ?? 0)}`).join(' ')}
          />
        ))}
      </svg>
      <ul className="chart-legend">
        {curves.map((curve) => (
          <li key={curve.categoryId}>
            <span
              className="legend-swatch"
              style={{ background: colours(curve.categoryId) }}
              aria-hidden="true"
            />
            {names(curve.categoryId)}
          </li>
        ))}
      </ul>
    </figure>
  )
}
