// The promotion rule on its own: the same validation images compare directly, other images still
// compare but say so, changed classes or a stored model without metrics promote, and the request
// option is checked like a parameter.

import { describe, expect, it } from 'vitest'
import { decidePromotion, type StoredMetrics } from '../../src-main/jobs/promotion-policy'
import { resolveTrainRequest } from '../../src-main/jobs/train-request'

const SPLIT = { id: 'split-a', images: 6, datasetId: 'dataset-a' }

function metrics(
  valAccuracy: number,
  extra: Partial<StoredMetrics & { task: 'classification' }> = {},
): StoredMetrics {
  return {
    finalValAccuracy: valAccuracy,
    finalValLoss: 1 - valAccuracy,
    classes: ['circle', 'square'],
    validationSet: SPLIT,
    ...extra,
  }
}

describe('decidePromotion', () => {
  it('compares the validation accuracy directly on the same validation images', () => {
    const stored = metrics(1, { jobId: 'c-1' })
    const worse = decidePromotion('auto', metrics(0.5), 'c-2', stored, true)
    expect(worse).toMatchObject({
      promoted: false,
      promotion: {
        reason: expect.stringMatching(/^worse than the stored model on the same validation images/),
        new: { jobId: 'c-2', valAccuracy: 0.5, validationSet: SPLIT },
        stored: { jobId: 'c-1', valAccuracy: 1, validationSet: SPLIT },
      },
    })
    // At least as good: a tie promotes.
    expect(decidePromotion('auto', metrics(1), 'c-2', stored, true).promoted).toBe(true)
  })

  it('says when the validation images differ', () => {
    const stored = metrics(0.9, { validationSet: { ...SPLIT, id: 'split-b' } })
    const decision = decidePromotion('auto', metrics(0.8), 'c-2', stored, true)
    expect(decision.promoted).toBe(false)
    expect(decision.promotion.reason).toMatch(/on different validation images/)
  })

  it('promotes over no model, a model without metrics, or one for other classes', () => {
    expect(decidePromotion('auto', metrics(0.1), 'c-2', undefined, false).promotion.reason).toBe(
      'the bucket held no model',
    )
    expect(decidePromotion('auto', metrics(0.1), 'c-2', undefined, true)).toMatchObject({
      promoted: true,
      promotion: { reason: 'the stored model has no metrics to compare with' },
    })
    const otherClasses = metrics(1, { classes: ['cat', 'dog'] })
    expect(decidePromotion('auto', metrics(0.1), 'c-2', otherClasses, true)).toMatchObject({
      promoted: true,
      promotion: { reason: expect.stringContaining('classes changed') },
    })
  })

  it('always and never override the comparison', () => {
    const stored = metrics(1)
    expect(decidePromotion('always', metrics(0), 'c-2', stored, true).promoted).toBe(true)
    expect(decidePromotion('never', metrics(1), 'c-2', stored, true).promoted).toBe(false)
  })
})

describe('the promote request option', () => {
  it('is taken from a request body and checked', () => {
    const request = { client: 'client0', trainType: 'classification' }
    expect(resolveTrainRequest({ ...request, promote: 'always' }, 'p-').promote).toBe('always')
    expect(resolveTrainRequest(request, 'p-').promote).toBeUndefined()
    expect(() => resolveTrainRequest({ ...request, promote: 'maybe' }, 'p-')).toThrow(
      /promote must be one of auto, always, never/,
    )
  })
})

describe('decidePromotion for detectors', () => {
  function detector(valMap50: number, extra: Partial<StoredMetrics> = {}): StoredMetrics {
    return {
      task: 'obj_detection',
      finalValMap50: valMap50,
      finalValLoss: 1 - valMap50,
      classes: ['circle', 'square'],
      validationSet: SPLIT,
      ...extra,
    } as StoredMetrics
  }

  it('compares validation mAP@.5, not accuracy', () => {
    const stored = detector(0.8, { jobId: 'd-1' })
    const worse = decidePromotion('auto', detector(0.6), 'd-2', stored, true)
    expect(worse).toMatchObject({
      promoted: false,
      promotion: {
        reason: expect.stringMatching(
          /^worse than the stored model .*\(mAP@\.5 60\.0% < mAP@\.5 80\.0%\)/,
        ),
        new: { jobId: 'd-2', task: 'obj_detection', valMap50: 0.6 },
        stored: { jobId: 'd-1', task: 'obj_detection', valMap50: 0.8 },
      },
    })
    expect(worse.promotion.new).not.toHaveProperty('valAccuracy')
    expect(decidePromotion('auto', detector(0.8), 'd-2', stored, true).promoted).toBe(true)
  })

  it("prefers COCOeval's AP50 to the kept epoch's when the run has it", () => {
    const stored = detector(0.5, { coco: { stats: { ap50: 0.9 } } } as Partial<StoredMetrics>)
    const decision = decidePromotion('auto', detector(0.7), 'd-2', stored, true)
    expect(decision.promoted).toBe(false)
    expect(decision.promotion.stored?.valMap50).toBe(0.9)
  })

  it('replaces a model of another task, whatever it scored', () => {
    const classifier = metrics(1)
    const decision = decidePromotion('auto', detector(0.1), 'd-2', classifier, true)
    expect(decision).toMatchObject({
      promoted: true,
      promotion: { reason: 'the task changed; the stored model does not do obj_detection' },
    })
  })
})

describe('decidePromotion for segmenters', () => {
  function segmenter(valMaskMap50: number, extra: Partial<StoredMetrics> = {}): StoredMetrics {
    return {
      task: 'instance_segmentation',
      finalValMaskMap50: valMaskMap50,
      finalValLoss: 1 - valMaskMap50,
      classes: ['circle', 'square'],
      validationSet: SPLIT,
      ...extra,
    } as StoredMetrics
  }

  it("compares mask mAP@.5, COCOeval's on masks when the run has it, else the kept epoch's", () => {
    const stored = segmenter(0.5, {
      jobId: 's-1',
      maskCoco: { stats: { ap50: 0.9 } },
      boxCoco: { stats: { ap50: 0.1 } },
    } as Partial<StoredMetrics>)
    const worse = decidePromotion('auto', segmenter(0.7), 's-2', stored, true)
    expect(worse).toMatchObject({
      promoted: false,
      promotion: {
        reason: expect.stringMatching(/\(mask mAP@\.5 70\.0% < mask mAP@\.5 90\.0%\)/),
        new: { jobId: 's-2', task: 'instance_segmentation', valMap50: 0.7 },
        stored: { jobId: 's-1', task: 'instance_segmentation', valMap50: 0.9 },
      },
    })
    expect(worse.promotion.new).not.toHaveProperty('valAccuracy')
    expect(decidePromotion('auto', segmenter(0.95), 's-2', stored, true).promoted).toBe(true)
  })

  it('replaces a detector, whatever it scored', () => {
    const detector = { task: 'obj_detection', finalValMap50: 1, classes: ['circle', 'square'] }
    const decision = decidePromotion('auto', segmenter(0.1), 's-2', detector as StoredMetrics, true)
    expect(decision).toMatchObject({
      promoted: true,
      promotion: { reason: 'the task changed; the stored model does not do instance_segmentation' },
    })
  })
})
