// The training form's checks against the shared ranges.

import { describe, expect, it } from 'vitest'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import {
  checkParamsDraft,
  defaultParamsDraft,
  FLAG_FIELDS,
  PARAM_FIELDS,
} from '../../src-renderer/jobs/train-params-draft'

describe('training parameters draft', () => {
  it('starts from the shared defaults, which pass', () => {
    const checked = checkParamsDraft(defaultParamsDraft())
    expect(checked.ok).toBe(true)
    expect(checked.params).toEqual(DEFAULT_TRAIN_PARAMS)
  })

  it('has one field per numeric query parameter', () => {
    expect(PARAM_FIELDS.map((f) => f.queryName).sort()).toEqual(
      [
        'batch_size',
        'epochs',
        'image_size',
        'learning_rate',
        'patience',
        'seed',
        'val_split',
      ].sort(),
    )
    expect(FLAG_FIELDS.map((f) => f.queryName)).toEqual(['augment'])
  })

  it('sends on/off parameters as booleans, and the architecture picked', () => {
    const checked = checkParamsDraft({
      ...defaultParamsDraft(),
      augment: false,
      architecture: 'reference',
    })
    expect(checked.ok).toBe(true)
    expect(checked.params).toMatchObject({ augment: false, architecture: 'reference' })
  })

  it('names each problem and leaves the bad value out', () => {
    const draft = {
      ...defaultParamsDraft(),
      epochs: '0',
      batchSize: '2.5',
      learningRate: 'fast',
      imageSize: '',
    }
    const checked = checkParamsDraft(draft)
    expect(checked.ok).toBe(false)
    expect(checked.problems).toEqual({
      epochs: 'Between 1 and 500',
      batchSize: 'Enter a whole number',
      learningRate: 'Enter a number',
      imageSize: 'Enter a value',
    })
    expect(checked.params.epochs).toBeUndefined()
    expect(checked.params.valSplit).toBe(0.2)
  })
})
