import { describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { resolveTrainRequest } from '../../src-main/jobs/train-request'

function failure(fn: () => unknown) {
  try {
    fn()
  } catch (err) {
    if (err instanceof AppFailure) return err.error
    throw err
  }
  throw new Error('expected a failure')
}

describe('resolveTrainRequest', () => {
  it('fills defaults and keeps checked values', () => {
    const r = resolveTrainRequest(
      { client: 'client0', trainType: 'classification', params: { epochs: 3, learningRate: 0.01 } },
      'training-server-',
    )
    expect(r.params).toEqual({ ...DEFAULT_TRAIN_PARAMS, epochs: 3, learningRate: 0.01 })
  })

  it('names the field and the range of a parameter out of range', () => {
    const error = failure(() =>
      resolveTrainRequest(
        { client: 'client0', trainType: 'classification', params: { imageSize: 8 } },
        'p-',
      ),
    )
    expect(error).toMatchObject({
      code: 'INVALID_PARAMETER',
      field: 'imageSize',
      details: { min: 16, max: 512 },
    })
    expect(
      failure(() =>
        resolveTrainRequest(
          { client: 'client0', trainType: 'classification', params: { epochs: 2.5 } },
          'p-',
        ),
      ).code,
    ).toBe('INVALID_PARAMETER')
  })

  it('lists the supported train types', () => {
    const error = failure(() => resolveTrainRequest({ client: 'client0' }, 'p-'))
    expect(error).toMatchObject({
      code: 'INVALID_TRAIN_TYPE',
      details: { supported: ['classification'] },
    })
  })
})
