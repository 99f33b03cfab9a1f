// The training parameters, with the shared defaults and ranges; each field shows its own problem.
// Fields of one architecture (the transfer backbone) appear only while it is chosen.

import { useId } from 'react'
import {
  ARCHITECTURES,
  IMPLEMENTED_TRAIN_TYPES,
  TRAIN_TYPES,
  type Architecture,
  type TrainType,
} from '../../src-shared/train-params'
import {
  architectureFields,
  checkParamsDraft,
  COMMON_PARAM_FIELDS,
  FLAG_FIELDS,
  type ParamField,
} from '../jobs/train-params-draft'
import { useAppStore } from '../store/store-context'
import { ParamNumberField } from './param-number-field'

const TRAIN_TYPE_TEXT: Record<TrainType, string> = {
  classification: 'Classification',
  obj_detection: 'Object detection',
  instance_segmentation: 'Instance segmentation',
}

const ARCHITECTURE_TEXT: Record<Architecture, { label: string; description: string }> = {
  cnn: {
    label: 'CNN',
    description: 'Compact batch-normalised network trained from scratch; suits small datasets.',
  },
  reference: {
    label: 'Reference CNN',
    description: 'The plain two-block network of the PyTorch comparison, for like-for-like runs.',
  },
  transfer: {
    label: 'Transfer learning',
    description: 'A pretrained backbone with a new classification head; needs the backbone model.',
  },
}

export function ParamsForm({ disabled }: { disabled: boolean }) {
  const id = useId()
  const draft = useAppStore((s) => s.paramsDraft)
  const trainType = useAppStore((s) => s.trainType)
  const setParam = useAppStore((s) => s.setParam)
  const setFlag = useAppStore((s) => s.setFlag)
  const setArchitecture = useAppStore((s) => s.setArchitecture)
  const setBackbone = useAppStore((s) => s.setBackbone)
  const setTrainType = useAppStore((s) => s.setTrainType)
  const resetParams = useAppStore((s) => s.resetParams)
  const { problems } = checkParamsDraft(draft)
  const backboneId = `${id}-backbone`
  const numberField = (field: ParamField) => (
    <ParamNumberField
      key={field.key}
      field={field}
      inputId={`${id}-${field.key}`}
      value={draft[field.key]}
      problem={problems[field.key]}
      onChange={(raw) => setParam(field.key, raw)}
    />
  )

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
      {COMMON_PARAM_FIELDS.map(numberField)}
      <div className="field field-wide">
        <label htmlFor={`${id}-architecture`}>Architecture</label>
        <select
          id={`${id}-architecture`}
          value={draft.architecture}
          disabled={ARCHITECTURES.length < 2}
          aria-describedby={`${id}-architecture-hint`}
          onChange={(e) => setArchitecture(e.target.value as Architecture)}
        >
          {ARCHITECTURES.map((architecture) => (
            <option key={architecture} value={architecture}>
              {ARCHITECTURE_TEXT[architecture].label}
            </option>
          ))}
        </select>
        <span id={`${id}-architecture-hint`} className="field-hint">
          {ARCHITECTURE_TEXT[draft.architecture].description}
        </span>
      </div>
      {draft.architecture === 'transfer' && (
        <div className="field field-wide">
          <label htmlFor={backboneId}>Backbone (path or URL)</label>
          <input
            id={backboneId}
            type="text"
            spellCheck={false}
            autoComplete="off"
            value={draft.backbone}
            aria-invalid={problems.backbone ? true : undefined}
            aria-describedby={`${backboneId}-hint`}
            onChange={(e) => setBackbone(e.target.value)}
          />
          <span
            id={`${backboneId}-hint`}
            className={problems.backbone ? 'field-hint field-problem' : 'field-hint'}
          >
            {problems.backbone ??
              'A TF.js model.json or Keras .h5 file: a path on the server or an http(s) URL'}
          </span>
        </div>
      )}
      {architectureFields(draft.architecture).map(numberField)}
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
