// One numeric training parameter: its input with the shared range, and a hint that turns into the
// field's problem when the typed value does not pass.

import type { ParamField } from '../jobs/train-params-draft'
import { ParamOriginMark, type ParamOrigin } from './param-origin-mark'

/** Hints that say more than the range, by query name. */
const FIELD_HINTS: Partial<Record<string, string>> = {
  patience: '0 – 100; 0 = never stop early',
  fine_tune_layers: '0 – 1000 trailing backbone layers that train too; 0 = frozen backbone',
}

export function ParamNumberField({
  field,
  inputId,
  value,
  problem,
  origin,
  onChange,
}: {
  field: ParamField
  inputId: string
  value: string
  problem: string | undefined
  origin: ParamOrigin
  onChange(raw: string): void
}) {
  return (
    <div className={origin.changed ? 'field field-changed' : 'field'}>
      <div className="field-label-row">
        <label htmlFor={inputId}>{field.label}</label>
        <ParamOriginMark origin={origin} />
      </div>
      <input
        id={inputId}
        type="number"
        inputMode={field.range.integer ? 'numeric' : 'decimal'}
        min={field.range.min}
        max={field.range.max}
        step={field.range.integer ? Math.max(1, field.step) : 'any'}
        value={value}
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${inputId}-hint`}
        onChange={(e) => onChange(e.target.value)}
      />
      <span id={`${inputId}-hint`} className={problem ? 'field-hint field-problem' : 'field-hint'}>
        {problem ?? FIELD_HINTS[field.queryName] ?? `${field.range.min} – ${field.range.max}`}
      </span>
    </div>
  )
}
