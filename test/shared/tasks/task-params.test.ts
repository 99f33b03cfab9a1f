// Each task's parameter rules, as the endpoint, the API and the UI's form apply them: its own
// architectures and defaults, the rules between parameters shared by all, and detection's input
// size that the network's strides divide.

import { describe, expect, it } from 'vitest'
import { AppFailure, type AppError } from '../../../src-shared/errors'
import { DEFAULT_DETECTION_PARAMS } from '../../../src-shared/tasks/detection-params'
import { DEFAULT_SEGMENTATION_PARAMS } from '../../../src-shared/tasks/segmentation-params'
import { paramRulesOf } from '../../../src-shared/tasks/task-params'
import { combinationProblems, resolveParams } from '../../../src-shared/tasks/train-param-rules'
import { DEFAULT_TRAIN_PARAMS } from '../../../src-shared/train-params'

function refusal(run: () => unknown): AppError | undefined {
  try {
    run()
  } catch (err) {
    if (err instanceof AppFailure) return err.error
    throw err
  }
  return undefined
}

const detection = paramRulesOf('obj_detection')
const classification = paramRulesOf('classification')

describe('task parameter rules', () => {
  it('starts each task from its own defaults', () => {
    expect(resolveParams(classification, {}).params).toEqual(DEFAULT_TRAIN_PARAMS)
    expect(resolveParams(detection, {}).params).toEqual(DEFAULT_DETECTION_PARAMS)
    expect(DEFAULT_DETECTION_PARAMS).toMatchObject({
      architecture: 'centernet',
      epochs: 20,
      imageSize: 128,
      patience: 8,
    })
  })

  it('trains each task with its own architectures only', () => {
    expect(refusal(() => resolveParams(detection, { architecture: 'cnn' }))).toMatchObject({
      code: 'INVALID_PARAMETER',
      field: 'architecture',
      details: { supported: ['centernet', 'transfer'] },
    })
    expect(
      refusal(() => resolveParams(classification, { architecture: 'centernet' })),
    ).toMatchObject({ code: 'INVALID_PARAMETER', field: 'architecture' })
    expect(resolveParams(detection, { architecture: 'centernet' }).given).toEqual(['architecture'])
  })

  it('holds a detector input to a multiple of 16, naming the field', () => {
    const error = refusal(() => resolveParams(detection, { imageSize: 100 }))
    expect(error).toMatchObject({
      code: 'INVALID_PARAMETER',
      field: 'imageSize',
      details: { multipleOf: 16 },
    })
    expect(error?.message).toMatch(/multiple of 16/)
    expect(resolveParams(detection, { imageSize: 96 }).params.imageSize).toBe(96)
    // Classifiers take any size in the range.
    expect(resolveParams(classification, { imageSize: 100 }).params.imageSize).toBe(100)
  })

  it('applies the rules between parameters to every task', () => {
    for (const rules of [classification, detection]) {
      const withBackbone = resolveParams(rules, { backbone: 'models/b.h5' }).params
      expect(withBackbone.architecture).toBe('transfer')
      expect(refusal(() => resolveParams(rules, { architecture: 'transfer' }))).toMatchObject({
        field: 'backbone',
      })
      expect(
        refusal(() => resolveParams(rules, { fineTuneLayers: 2 })),
        rules.task,
      ).toMatchObject({ field: 'fineTuneLayers' })
    }
  })

  it('lists every problem of a whole set, with a short form for the field', () => {
    const problems = combinationProblems(
      { ...DEFAULT_DETECTION_PARAMS, architecture: 'cnn', imageSize: 72 },
      detection,
    )
    expect(problems.map((p) => [p.field, p.short])).toEqual([
      ['architecture', 'Not for obj_detection'],
      ['imageSize', 'A multiple of 16'],
    ])
  })
})

describe('instance segmentation parameter rules', () => {
  const segmentation = paramRulesOf('instance_segmentation')

  it("starts from the detector's defaults and trains the centernet network only", () => {
    expect(segmentation.task).toBe('instance_segmentation')
    expect(resolveParams(segmentation, {}).params).toEqual(DEFAULT_SEGMENTATION_PARAMS)
    expect(DEFAULT_SEGMENTATION_PARAMS).toEqual(DEFAULT_DETECTION_PARAMS)
    for (const architecture of ['cnn', 'transfer'] as const)
      expect(refusal(() => resolveParams(segmentation, { architecture }))).toMatchObject({
        code: 'INVALID_PARAMETER',
        field: 'architecture',
        details: { supported: ['centernet'] },
      })
  })

  it('holds the input to a multiple of 16, naming the task', () => {
    const error = refusal(() => resolveParams(segmentation, { imageSize: 72 }))
    expect(error).toMatchObject({ field: 'imageSize', details: { multipleOf: 16 } })
    expect(error?.message).toContain('instance_segmentation')
    expect(resolveParams(segmentation, { imageSize: 96 }).params.imageSize).toBe(96)
  })
})
