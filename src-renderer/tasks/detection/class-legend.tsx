// Which colour is which class, beside any picture with boxes; the line styles say what is drawn.

import type { ClassColours } from './class-colours'

export function ClassLegend({
  classes,
  colours,
  label = 'Box colours',
  styles,
}: {
  classes: { categoryId: number; name: string }[]
  colours: ClassColours
  label?: string
  /** Line-style notes, e.g. "dashed: ground truth". */
  styles?: string[]
}) {
  if (classes.length === 0) return null
  return (
    <ul className="class-legend" aria-label={label}>
      {classes.map((c) => (
        <li key={c.categoryId}>
          <span
            className="class-swatch"
            style={{ borderColor: colours(c.categoryId) }}
            aria-hidden="true"
          />
          {c.name}
        </li>
      ))}
      {styles?.map((note) => (
        <li key={note} className="legend-note">
          {note}
        </li>
      ))}
    </ul>
  )
}
