// Telling metrics apart by task: a segmenter's run is neither a classifier's nor a detector's, and
// is judged by its mask mAP@.5 (COCOeval's on masks, else the kept epoch's), never its boxes'.

import { describe, expect, it } from 'vitest'
import type { TrainingMetrics } from '../../../src-shared/job-events'
import {
  classificationEpoch,
  classificationMetrics,
  isDetectionMetrics,
  isSegmentationEpoch,
  isSegmentationMetrics,
  validationScore,
  validationScoreLabel,
} from '../../../src-shared/tasks/task-metrics'
import { SEGMENTATION_RUN } from '../../fixtures/segmentation-run'

describe('segmentation metrics', () => {
  it('narrow to segmentation, not classification or detection', () => {
    expect(isSegmentationMetrics(SEGMENTATION_RUN)).toBe(true)
    expect(isDetectionMetrics(SEGMENTATION_RUN)).toBe(false)
    expect(classificationMetrics(SEGMENTATION_RUN)).toBeUndefined()
    const epoch = SEGMENTATION_RUN.epochs[0]
    expect(epoch && isSegmentationEpoch(epoch)).toBe(true)
    expect(epoch && classificationEpoch(epoch)).toBeUndefined()
  })

  it("score by COCOeval's mask AP50, else the kept epoch's", () => {
    expect(validationScore(SEGMENTATION_RUN)).toBe(SEGMENTATION_RUN.maskCoco.stats?.ap50)
    expect(validationScore(SEGMENTATION_RUN)).not.toBe(SEGMENTATION_RUN.boxCoco.stats?.ap50)
    const withoutStats = {
      ...SEGMENTATION_RUN,
      maskCoco: { ...SEGMENTATION_RUN.maskCoco, stats: undefined },
    } as unknown as TrainingMetrics
    expect(validationScore(withoutStats)).toBe(SEGMENTATION_RUN.finalValMaskMap50)
    expect(validationScoreLabel('instance_segmentation')).toBe('mask mAP@.5 ')
    expect(validationScoreLabel(undefined)).toBe('')
  })
})
