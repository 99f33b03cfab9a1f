// The training form's checks against the shared ranges.

import { describe, expect, it } from 'vitest'
import { DEFAULT_DETECTION_PARAMS } from '../../src-shared/tasks/detection-params'
import { BACKBONE_MAX_LENGTH, DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import {
  architectureFields,
  checkParamsDraft,
  COMMON_PARAM_FIELDS,
  defaultParamsDraft,
  FLAG_FIELDS,
  PARAM_FIELDS,
  type ParamsDraft,
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
        'fine_tune_layers',
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

  it('keeps the transfer parameters out of the other architectures', () => {
    expect(COMMON_PARAM_FIELDS.map((f) => f.key)).not.toContain('fineTuneLayers')
    expect(architectureFields('transfer').map((f) => f.key)).toEqual(['fineTuneLayers'])
    expect(architectureFields('cnn')).toEqual([])
    // Typed while transfer was chosen, then left: neither checked nor sent.
    const checked = checkParamsDraft({
      ...defaultParamsDraft(),
      architecture: 'reference',
      backbone: 'ftp://models/x.h5',
      fineTuneLayers: 'many',
    })
    expect(checked.ok).toBe(true)
    expect(checked.params).not.toHaveProperty('backbone')
    expect(checked.params).not.toHaveProperty('fineTuneLayers')
  })
})

describe('transfer parameters draft', () => {
  const transfer = (extra: Partial<ParamsDraft> = {}): ParamsDraft => ({
    ...defaultParamsDraft(),
    architecture: 'transfer',
    ...extra,
  })

  it('requires a backbone, and starts with the backbone frozen', () => {
    const checked = checkParamsDraft(transfer())
    expect(checked.ok).toBe(false)
    expect(checked.problems.backbone).toMatch(/^Backbone: enter the path or http\(s\) URL/)
    expect(checked.problems.fineTuneLayers).toBeUndefined()
    expect(checked.params.fineTuneLayers).toBe(0)
    expect(checked.params).not.toHaveProperty('backbone')
    expect(checkParamsDraft(transfer({ backbone: '   ' })).problems.backbone).toBeDefined()
  })

  it('sends the backbone, trimmed, and the fine-tuned layers', () => {
    const checked = checkParamsDraft(
      transfer({ backbone: '  https://models.example/mobilenet/model.json ', fineTuneLayers: '4' }),
    )
    expect(checked).toMatchObject({ ok: true, problems: {} })
    expect(checked.params).toMatchObject({
      architecture: 'transfer',
      backbone: 'https://models.example/mobilenet/model.json',
      fineTuneLayers: 4,
    })
  })

  it.each([
    '/srv/models/mobilenet/model.json',
    'models/backbone.h5',
    'C:\\models\\backbone.h5',
    'http://localhost:8080/model.json',
    'HTTPS://models.example/b.h5',
  ])('accepts the path or http(s) URL %s', (backbone) => {
    expect(checkParamsDraft(transfer({ backbone })).problems).toEqual({})
  })

  it.each([
    ['ftp://models.example/b.h5', 'ftp:'],
    ['file:///srv/models/b.h5', 'file:'],
    ['s3://bucket/b.h5', 's3:'],
  ])('refuses the URL %s, naming the field and its scheme', (backbone, scheme) => {
    const problem = checkParamsDraft(transfer({ backbone })).problems.backbone
    expect(problem).toMatch(/^Backbone: /)
    expect(problem).toContain(scheme)
  })

  it('refuses a malformed http(s) URL and control characters', () => {
    expect(checkParamsDraft(transfer({ backbone: 'http://' })).problems.backbone).toBe(
      'Backbone: not a valid URL',
    )
    expect(checkParamsDraft(transfer({ backbone: 'models/a\u0007.h5' })).problems.backbone).toBe(
      'Backbone: remove the control characters',
    )
  })

  it('holds the backbone to the shared length limit', () => {
    const at = (length: number) => `/m/${'a'.repeat(length - 6)}.h5`
    expect(at(BACKBONE_MAX_LENGTH)).toHaveLength(BACKBONE_MAX_LENGTH)
    expect(checkParamsDraft(transfer({ backbone: at(BACKBONE_MAX_LENGTH) })).ok).toBe(true)
    expect(checkParamsDraft(transfer({ backbone: at(BACKBONE_MAX_LENGTH + 1) })).problems).toEqual({
      backbone: `Backbone: at most ${BACKBONE_MAX_LENGTH} characters (${BACKBONE_MAX_LENGTH + 1} typed)`,
    })
  })

  it('checks the fine-tuned layers against their range', () => {
    const problems = (fineTuneLayers: string) =>
      checkParamsDraft(transfer({ backbone: 'b.h5', fineTuneLayers })).problems
    expect(problems('1001')).toEqual({ fineTuneLayers: 'Between 0 and 1000' })
    expect(problems('-1')).toEqual({ fineTuneLayers: 'Between 0 and 1000' })
    expect(problems('1.5')).toEqual({ fineTuneLayers: 'Enter a whole number' })
    expect(problems('1000')).toEqual({})
  })
})

describe('detection parameters draft', () => {
  it('starts from the detection defaults, which pass the detection rules', () => {
    const draft = defaultParamsDraft('obj_detection')
    expect(draft.architecture).toBe('centernet')
    const checked = checkParamsDraft(draft, 'obj_detection')
    expect(checked.ok).toBe(true)
    expect(checked.params).toEqual(DEFAULT_DETECTION_PARAMS)
  })

  it("shows the server's rules at the fields: input size and architecture", () => {
    const draft = { ...defaultParamsDraft('obj_detection'), imageSize: '100' }
    expect(checkParamsDraft(draft, 'obj_detection').problems).toEqual({
      imageSize: 'A multiple of 16',
    })
    // The same values are fine for a classifier, whose rules know no such limit.
    expect(checkParamsDraft({ ...defaultParamsDraft(), imageSize: '100' }).ok).toBe(true)
    const classifierArchitecture = { ...defaultParamsDraft('obj_detection'), architecture: 'cnn' }
    expect(
      checkParamsDraft(classifierArchitecture as ParamsDraft, 'obj_detection').problems,
    ).toEqual({ architecture: 'Not for obj_detection' })
  })
})
