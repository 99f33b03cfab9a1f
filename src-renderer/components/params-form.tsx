// The training parameters, with the shared defaults and ranges; each field shows its own problem.

import { useId } from 'react'
import {
  ARCHITECTURES,
  IMPLEMENTED_TRAIN_TYPES,
  TRAIN_TYPES,
  type Architecture,
  type TrainType,
} from '../../src-shared/train-params'
import { checkParamsDraft, FLAG_FIELDS, PARAM_FIELDS } from '../jobs/train-params-draft'
import { useAppStore } from '../store/store-context'

const TRAIN_TYPE_TEXT: Record<TrainType, string> = {
  classification: 'Classification',
  obj_detection: 'Object detection',
  instance_segmentation: 'Instance segmentation',
}

const ARCHITECTURE_TEXT: Record<Architecture, string> = {
  cnn: 'CNN',
  reference: 'Reference CNN',
}

/** Hints that say more than the range, by query name. */
const FIELD_HINTS: Partial<Record<string, string>> = {
  patience: '0 – 100; 0 = never stop early',
}

export function ParamsForm({ disabled }: { disabled: boolean }) {
  const id = useId()
  const draft = useAppStore((s) => s.paramsDraft)
  const trainType = useAppStore((s) => s.trainType)
  const setParam = useAppStore((s) => s.setParam)
  const setFlag = useAppStore((s) => s.setFlag)
  const setArchitecture = useAppStore((s) => s.setArchitecture)
  const setTrainType = useAppStore((s) => s.setTrainType)
  const resetParams = useAppStore((s) => s.resetParams)
  const { problems } = checkParamsDraft(draft)

  return (
    <fieldset className="params" disabled={disabled}>
      <legend className="panel-title">Parameters</legend>
      <div className="field field-wide">
        <label htmlFor={`${id}-type`}>Train type</label>
        <select
          id={`${id}-type`}
          value={trainType}
          onChange={(e) => setTrainType(e.target.value as TrainType)}
        >
          {TRAIN_TYPES.map((type) => (
            <option key={type} value={type} disabled={!IMPLEMENTED_TRAIN_TYPES.includes(type)}>
              {TRAIN_TYPE_TEXT[type]}
              {IMPLEMENTED_TRAIN_TYPES.includes(type) ? '' : ' (not available yet)'}
            </option>
          ))}
        </select>
      </div>
      {PARAM_FIELDS.map((field) => {
        const problem = problems[field.key]
        const inputId = `${id}-${field.key}`
        return (
          <div className="field" key={field.key}>
            <label htmlFor={inputId}>{field.label}</label>
            <input
              id={inputId}
              type="number"
              inputMode={field.range.integer ? 'numeric' : 'decimal'}
              min={field.range.min}
              max={field.range.max}
              step={field.range.integer ? Math.max(1, field.step) : 'any'}
              value={draft[field.key]}
              aria-invalid={problem ? true : undefined}
              aria-describedby={`${inputId}-hint`}
              onChange={(e) => setParam(field.key, e.target.value)}
            />
            <span
              id={`${inputId}-hint`}
              className={problem ? 'field-hint field-problem' : 'field-hint'}
            >
              {problem ?? FIELD_HINTS[field.queryName] ?? `${field.range.min} – ${field.range.max}`}
            </span>
          </div>
        )
      })}
      <div className="field field-wide">
        <label htmlFor={`${id}-architecture`}>Architecture</label>
        <select
          id={`${id}-architecture`}
          value={draft.architecture}
          disabled={ARCHITECTURES.length < 2}
          onChange={(e) => setArchitecture(e.target.value as Architecture)}
        >
          {ARCHITECTURES.map((architecture) => (
            <option key={architecture} value={architecture}>
              {ARCHITECTURE_TEXT[architecture]}
            </option>
          ))}
        </select>
      </div>
      {FLAG_FIELDS.map((field) => (
        <div className="field field-wide field-check" key={field.key}>
          <input
            id={`${id}-${field.key}`}
            type="checkbox"
            checked={draft[field.key]}
            aria-describedby={`${id}-${field.key}-hint`}
            onChange={(e) => setFlag(field.key, e.target.checked)}
          />
          <label htmlFor={`${id}-${field.key}`}>{field.label}</label>
          <span id={`${id}-${field.key}-hint`} className="field-hint">
            {field.hint}
          </span>
        </div>
      ))}
      <div className="field field-actions">
        <button type="button" className="button-quiet" onClick={resetParams}>
          Restore defaults
        </button>
      </div>
    </fieldset>
  )
}
