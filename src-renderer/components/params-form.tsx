// The training parameters, with the shared ranges; each field shows its own problem. The values
// start from what the server would choose for the client, and each field says whether the dataset
// chose it or the user changed it. Fields of one architecture (the transfer backbone, a preset or
// the user's own file) appear only while it is chosen.

import { useId } from 'react'
import { paramRulesOf } from '../../src-shared/tasks/task-params'
import {
  IMPLEMENTED_TRAIN_TYPES,
  TRAIN_TYPES,
  type Architecture,
  type TrainType,
} from '../../src-shared/train-params'
import {
  architectureFields,
  changedFields,
  checkParamsDraft,
  COMMON_PARAM_FIELDS,
  FLAG_FIELDS,
  sourceOf,
  type DraftKey,
  type ParamField,
} from '../jobs/train-params-draft'
import { useAppStore } from '../store/store-context'
import { selectParamsForm, type ParamsForm as ClientParamsForm } from '../store/training-slice'
import { BackboneField } from './backbone-field'
import { ParamNumberField } from './param-number-field'
import { ParamOriginMark, type ParamOrigin } from './param-origin-mark'

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
    description: 'A pretrained backbone with a new head for the task; needs the backbone model.',
  },
  centernet: {
    label: 'CenterNet detector',
    description:
      'Anchor-free detector trained from scratch: a heatmap of object centres, box sizes and offsets.',
  },
}

/** One line over the form: what the values are based on. */
function defaultsBasisText(form: ClientParamsForm, client: string | undefined): string {
  const defaults = form.defaults
  if (form.load.status === 'failed')
    return `The server's choice for ${client ?? 'this client'} is unknown (${form.load.error.message}); plain defaults shown.`
  if (defaults === undefined) return 'Asking the server what it would choose…'
  if (defaults.basis === 'not-synced')
    return 'The dataset is not synced yet: plain defaults shown, provisional — the job chooses from the dataset once it has synced it.'
  if (defaults.basis === 'invalid')
    return 'The dataset does not validate: plain defaults shown, provisional until it does.'
  const facts = defaults.facts
  return facts
    ? `Marked values are chosen from the dataset (${facts.images} images, median side ${facts.medianSide} px). Only what you change is sent.`
    : 'Marked values are chosen from the dataset. Only what you change is sent.'
}

export function ParamsForm({ disabled }: { disabled: boolean }) {
  const id = useId()
  const client = useAppStore((s) => s.selectedClient)
  const form = useAppStore(selectParamsForm)
  const draft = form.draft
  const trainType = useAppStore((s) => s.trainType)
  const setParam = useAppStore((s) => s.setParam)
  const setFlag = useAppStore((s) => s.setFlag)
  const setArchitecture = useAppStore((s) => s.setArchitecture)
  const setBackbone = useAppStore((s) => s.setBackbone)
  const setTrainType = useAppStore((s) => s.setTrainType)
  const resetParams = useAppStore((s) => s.resetParams)
  const { problems } = checkParamsDraft(draft, trainType)
  // The task's architectures; one it does not train stays listed while chosen, with its problem.
  const taskArchitectures = paramRulesOf(trainType).architectures
  const architectures = taskArchitectures.includes(draft.architecture)
    ? taskArchitectures
    : [...taskArchitectures, draft.architecture]
  const changed = changedFields(draft, form.base)
  const originOf = (key: DraftKey): ParamOrigin => ({
    changed: changed.has(key),
    source: sourceOf(form.defaults, key),
    serverValue: String(form.base[key]),
  })
  const backboneId = `${id}-backbone`
  const numberField = (field: ParamField) => (
    <ParamNumberField
      key={field.key}
      field={field}
      inputId={`${id}-${field.key}`}
      value={draft[field.key]}
      problem={problems[field.key]}
      origin={originOf(field.key)}
      onChange={(raw) => setParam(field.key, raw)}
    />
  )

  return (
    <fieldset className="params" disabled={disabled}>
      <legend className="panel-title">Parameters</legend>
      <p
        className="params-basis"
        role="status"
        data-basis={form.defaults?.basis ?? form.load.status}
      >
        {defaultsBasisText(form, client)}
      </p>
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
        <div className="field-label-row">
          <label htmlFor={`${id}-architecture`}>Architecture</label>
          <ParamOriginMark origin={originOf('architecture')} />
        </div>
        <select
          id={`${id}-architecture`}
          value={draft.architecture}
          disabled={architectures.length < 2}
          aria-describedby={`${id}-architecture-hint`}
          onChange={(e) => setArchitecture(e.target.value as Architecture)}
        >
          {architectures.map((architecture) => (
            <option key={architecture} value={architecture}>
              {ARCHITECTURE_TEXT[architecture].label}
            </option>
          ))}
        </select>
        <span
          id={`${id}-architecture-hint`}
          className={problems.architecture ? 'field-hint field-problem' : 'field-hint'}
        >
          {problems.architecture ?? ARCHITECTURE_TEXT[draft.architecture].description}
        </span>
      </div>
      {draft.architecture === 'transfer' && (
        <BackboneField
          inputId={backboneId}
          value={draft.backbone}
          problem={problems.backbone}
          onChange={setBackbone}
        />
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
          <div className="field-label-row">
            <label htmlFor={`${id}-${field.key}`}>{field.label}</label>
            <ParamOriginMark origin={originOf(field.key)} />
          </div>
          <span id={`${id}-${field.key}-hint`} className="field-hint">
            {field.hint}
          </span>
        </div>
      ))}
      <div className="field field-actions">
        <button type="button" className="button-quiet" onClick={resetParams}>
          Restore the server&apos;s values
        </button>
      </div>
    </fieldset>
  )
}
