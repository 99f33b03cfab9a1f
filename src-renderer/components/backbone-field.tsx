// The transfer backbone in the form: one of the named presets (the public MobileNet models, which
// the server downloads once and keeps) or the user's own model.json / .h5 by path or URL. A preset
// is sent as its name, exactly as `backbone=<name>` takes it.

import { BACKBONE_PRESETS, backbonePreset } from '../../src-shared/backbone-presets'

const OWN = ''

export function BackboneField(props: {
  inputId: string
  value: string
  problem: string | undefined
  onChange: (value: string) => void
}) {
  const { inputId, value, problem, onChange } = props
  const preset = backbonePreset(value.trim())
  const presetId = `${inputId}-preset`
  return (
    <>
      <div className="field field-wide">
        <label htmlFor={presetId}>Pretrained backbone</label>
        <select
          id={presetId}
          value={preset?.name ?? OWN}
          aria-describedby={`${presetId}-hint`}
          onChange={(e) => onChange(e.target.value)}
        >
          <option value={OWN}>Your own model (path or URL)</option>
          {BACKBONE_PRESETS.map((choice) => (
            <option key={choice.name} value={choice.name}>
              {choice.label}
            </option>
          ))}
        </select>
        <span id={`${presetId}-hint`} className="field-hint">
          {preset
            ? 'Downloaded once from its public address, then used offline; where it cannot be reached the job trains from scratch'
            : 'Or a public MobileNet the server downloads once'}
        </span>
      </div>
      {!preset && (
        <div className="field field-wide">
          <label htmlFor={inputId}>Backbone (path or URL)</label>
          <input
            id={inputId}
            type="text"
            spellCheck={false}
            autoComplete="off"
            value={value}
            aria-invalid={problem ? true : undefined}
            aria-describedby={`${inputId}-hint`}
            onChange={(e) => onChange(e.target.value)}
          />
          <span
            id={`${inputId}-hint`}
            className={problem ? 'field-hint field-problem' : 'field-hint'}
          >
            {problem ??
              'A TF.js model.json or Keras .h5 file: a path on the server or an http(s) URL'}
          </span>
        </div>
      )}
    </>
  )
}
