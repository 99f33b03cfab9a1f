// A small SVG line chart for per-epoch curves: drawn from props on every event, no canvas, so it
// is crisp at any zoom, themed by CSS and readable by screen readers through its label.

export interface ChartSeries {
  label: string
  /** A CSS class that gives the line its colour (see app.css). */
  tone: 'train' | 'validation' | 'heatmap' | 'box' | 'mask'
  points: { x: number; y: number }[]
}

export interface LineChartProps {
  title: string
  series: ChartSeries[]
  /** Upper end of the x axis (the planned epochs), so the chart does not rescale as it grows. */
  xMax: number
  /** Fixed y range, e.g. [0, 1] for accuracy; otherwise fitted to the data. */
  yRange?: [number, number]
  /** Axis ticks. */
  formatY: (value: number) => string
  /** The latest values in the legend and the label; more precise than the ticks. */
  formatValue?: (value: number) => string
  xLabel?: string
  /** A vertical mark at one x (the best epoch), with its label. */
  marker?: { x: number; label: string }
}

const WIDTH = 440
const HEIGHT = 230
const PAD = { left: 46, right: 12, top: 12, bottom: 34 }

function niceTicks(min: number, max: number, count: number): number[] {
  if (max <= min) return [min]
  const rough = (max - min) / count
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude
  const ticks: number[] = []
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toFixed(10)))
  return ticks
}

function fittedRange(series: ChartSeries[]): [number, number] {
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter(Number.isFinite)
  if (ys.length === 0) return [0, 1]
  const low = Math.min(...ys, 0)
  const high = Math.max(...ys)
  return [low, high === low ? low + 1 : high * 1.08]
}

export function LineChart({
  title,
  series,
  xMax,
  yRange,
  formatY,
  formatValue = formatY,
  xLabel = 'Epoch',
  marker,
}: LineChartProps) {
  const [yMin, yMax] = yRange ?? fittedRange(series)
  const xEnd = Math.max(xMax, 1)
  const plotW = WIDTH - PAD.left - PAD.right
  const plotH = HEIGHT - PAD.top - PAD.bottom
  const sx = (x: number): number => PAD.left + (x / xEnd) * plotW
  const sy = (y: number): number =>
    PAD.top + plotH - ((Math.min(Math.max(y, yMin), yMax) - yMin) / (yMax - yMin)) * plotH
  const yTicks = niceTicks(yMin, yMax, 4)
  const xTicks = niceTicks(0, xEnd, Math.min(xEnd, 8)).filter((t) => Number.isInteger(t))
  const pointCount = series.reduce((sum, s) => sum + s.points.length, 0)
  const summary = series
    .map((s) => {
      const last = s.points.at(-1)
      return last
        ? `${s.label} ${formatValue(last.y)} at ${xLabel.toLowerCase()} ${last.x}`
        : `${s.label}: no data yet`
    })
    .join('; ')
  const label = marker ? `${title}: ${summary}; ${marker.label}` : `${title}: ${summary}`
  // The mark's label sits on whichever side of it has room.
  const markerOnRight = marker !== undefined && sx(marker.x) < PAD.left + plotW * 0.75

  return (
    <figure className="chart" data-points={pointCount}>
      <figcaption className="chart-title">{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={label}>
        {yTicks.map((t) => (
          <g key={`y${t}`}>
            <line
              className="chart-grid"
              x1={PAD.left}
              x2={WIDTH - PAD.right}
              y1={sy(t)}
              y2={sy(t)}
            />
            <text
              className="chart-tick"
              x={PAD.left - 8}
              y={sy(t)}
              textAnchor="end"
              dominantBaseline="middle"
            >
              {formatY(t)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <text
            key={`x${t}`}
            className="chart-tick"
            x={sx(t)}
            y={HEIGHT - PAD.bottom + 16}
            textAnchor="middle"
          >
            {t}
          </text>
        ))}
        <line
          className="chart-axis"
          x1={PAD.left}
          x2={WIDTH - PAD.right}
          y1={PAD.top + plotH}
          y2={PAD.top + plotH}
        />
        <text className="chart-tick" x={PAD.left + plotW / 2} y={HEIGHT - 4} textAnchor="middle">
          {xLabel}
        </text>
        {marker && (
          <g className="chart-marker" data-x={marker.x}>
            <line x1={sx(marker.x)} x2={sx(marker.x)} y1={PAD.top} y2={PAD.top + plotH} />
            <text
              x={sx(marker.x) + (markerOnRight ? 4 : -4)}
              y={PAD.top + 10}
              textAnchor={markerOnRight ? 'start' : 'end'}
            >
              {marker.label}
            </text>
          </g>
        )}
        {series.map((s) => (
          <g key={s.label} className={`chart-series chart-${s.tone}`}>
            <polyline fill="none" points={s.points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ')} />
            {s.points.map((p) => (
              <circle key={p.x} cx={sx(p.x)} cy={sy(p.y)} r={3} />
            ))}
          </g>
        ))}
      </svg>
      <ul className="chart-legend">
        {series.map((s) => (
          <li key={s.label}>
            <span className={`legend-swatch chart-${s.tone}`} aria-hidden="true" />
            {s.label}
            <span className="legend-value">
              {s.points.length > 0 ? formatValue(s.points.at(-1)?.y ?? NaN) : '—'}
            </span>
          </li>
        ))}
      </ul>
    </figure>
  )
}
