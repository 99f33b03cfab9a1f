// Images per class as horizontal bars; each bar is also the filter for that class.

import type { DatasetView } from '../../src-shared/dataset-view'

export interface ClassHistogramProps {
  classes: DatasetView['classes']
  total: number
  filter?: string
  onFilter: (name: string | undefined) => void
}

export function ClassHistogram({ classes, total, filter, onFilter }: ClassHistogramProps) {
  const max = Math.max(1, ...classes.map((c) => c.count))
  return (
    <div className="histogram" role="group" aria-label="Filter by class">
      <button
        type="button"
        className="histogram-row histogram-all"
        aria-pressed={filter === undefined}
        onClick={() => onFilter(undefined)}
      >
        <span className="histogram-name">All classes</span>
        <span className="histogram-count">{total}</span>
      </button>
      {classes.map((c) => (
        <button
          key={c.categoryId}
          type="button"
          className="histogram-row"
          aria-pressed={filter === c.name}
          onClick={() => onFilter(filter === c.name ? undefined : c.name)}
        >
          <span className="histogram-name">{c.name}</span>
          <span className="histogram-count">{c.count}</span>
          <span className="histogram-bar" aria-hidden="true">
            <span style={{ width: `${(c.count / max) * 100}%` }} />
          </span>
        </button>
      ))}
    </div>
  )
}
