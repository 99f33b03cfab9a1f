// One labelled settings field: its input, and below it the one line that matters most: the
// environment variable that sets it instead (the input is then read-only), else its problem, else
// its hint.

import type { ReactNode } from 'react'

export interface SettingInputProps {
  id: string
  label: string
  value: string
  onChange(value: string): void
  type?: 'text' | 'number' | 'password' | 'url'
  hint?: ReactNode
  problem?: string
  /** The environment variable that sets this field instead of the file. */
  overriddenBy?: string
  placeholder?: string
  autoComplete?: string
  min?: number
  max?: number
  wide?: boolean
  /** The value in use now, when the server says it differs or may differ from the saved one. */
  inUse?: string
}

export function SettingInput(props: SettingInputProps) {
  const hintId = `${props.id}-hint`
  const overridden = props.overriddenBy !== undefined
  const problem = overridden ? undefined : props.problem
  return (
    <div className={props.wide ? 'field field-wide' : 'field'}>
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete ?? 'off'}
        spellCheck={false}
        min={props.min}
        max={props.max}
        disabled={props.overriddenBy !== undefined}
        aria-invalid={problem ? true : undefined}
        aria-describedby={props.inUse === undefined ? hintId : `${hintId} ${props.id}-in-use`}
        onChange={(e) => props.onChange(e.target.value)}
      />
      <span id={hintId} className={problem ? 'field-hint field-problem' : 'field-hint'}>
        {overridden ? (
          <>
            Set by <code>{props.overriddenBy}</code>, which wins over this file
          </>
        ) : (
          (problem ?? props.hint)
        )}
      </span>
      {props.inUse !== undefined && (
        <span id={`${props.id}-in-use`} className="field-hint field-in-use">
          {props.inUse}
        </span>
      )}
    </div>
  )
}
