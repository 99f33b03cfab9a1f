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
      details: { supported: ['classification', 'obj_detection', 'instance_segmentation'] },
    })
  })
})

describe('transfer-learning parameters', () => {
  const start = (params: Record<string, unknown>) =>
    resolveTrainRequest({ client: 'client0', trainType: 'classification', params }, 'p-')

  it('takes a backbone as transfer learning and reports which parameters were given', () => {
    const r = start({ backbone: 'https://models.example/mobilenet/model.json', epochs: 4 })
    expect(r.params).toMatchObject({
      architecture: 'transfer',
      backbone: 'https://models.example/mobilenet/model.json',
      epochs: 4,
    })
    expect(r.given.sort()).toEqual(['backbone', 'epochs'])
    expect(
      start({ architecture: 'transfer', backbone: '/models/m.h5', fineTuneLayers: 3 }).params,
    ).toMatchObject({ fineTuneLayers: 3, backbone: '/models/m.h5' })
    expect(start({ backbone: 'C:\\models\\mobilenet.h5' }).params.backbone).toBe(
      'C:\\models\\mobilenet.h5',
    )
  })

  it.each([
    [{ architecture: 'transfer' }, 'backbone', /needs a backbone/],
    [{ architecture: 'cnn', backbone: '/m/model.json' }, 'backbone', /only applies/],
    [{ fineTuneLayers: 2 }, 'fineTuneLayers', /only applies/],
    [{ backbone: 'ftp://host/model.json' }, 'backbone', /not ftp:/],
    [{ backbone: '' }, 'backbone', /path or http\(s\) URL/],
    [{ backbone: 'a'.repeat(3000) }, 'backbone', /longer than 2048/],
    [{ backbone: '/models/\u0000x.h5' }, 'backbone', /control characters/],
    [{ backbone: 42 }, 'backbone', /path or http\(s\) URL/],
    [{ backbone: '/m/model.json', fineTuneLayers: -1 }, 'fineTuneLayers', /from 0 to 1000/],
  ])('refuses %j with INVALID_PARAMETER on %s', (params, field, message) => {
    const error = failure(() => start(params))
    expect(error).toMatchObject({ code: 'INVALID_PARAMETER', field })
    expect(error.message).toMatch(message)
  })
})

describe('obj_detection requests', () => {
  const start = (params: Record<string, unknown>) =>
    resolveTrainRequest({ client: 'client2', trainType: 'obj_detection', params }, 'p-')

  it('are taken, with the detection defaults and rules', () => {
    const r = start({ epochs: 3 })
    expect(r.trainType).toBe('obj_detection')
    expect(r.params).toMatchObject({ architecture: 'centernet', epochs: 3, imageSize: 128 })
    expect(failure(() => start({ imageSize: 60 }))).toMatchObject({
      code: 'INVALID_PARAMETER',
      field: 'imageSize',
    })
    expect(failure(() => start({ architecture: 'reference' }))).toMatchObject({
      code: 'INVALID_PARAMETER',
      field: 'architecture',
    })
  })

  it('take instance_segmentation, with its own defaults and rules', () => {
    const start = (params: Record<string, unknown>) =>
      resolveTrainRequest({ client: 'client3', trainType: 'instance_segmentation', params }, 'p-')
    const r = start({ epochs: 3 })
    expect(r.trainType).toBe('instance_segmentation')
    expect(r.params).toMatchObject({ architecture: 'centernet', epochs: 3, imageSize: 128 })
    expect(failure(() => start({ imageSize: 60 }))).toMatchObject({
      code: 'INVALID_PARAMETER',
      field: 'imageSize',
    })
    expect(failure(() => start({ architecture: 'transfer' }))).toMatchObject({
      code: 'INVALID_PARAMETER',
      field: 'architecture',
    })
  })
})
