import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { CocoDetectionResult, CocoEvalGroundTruth } from '../../../src-shared/coco'
import { evaluateBoxes } from '../../../src-main/engine/evaluation/coco-eval'

// The reference case lives in the shared folder beside the clone (CI lays a copy there);
// TRAINING_SERVER_SHARED points elsewhere when the clone has no such neighbour.
const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..')
const SHARED = process.env.TRAINING_SERVER_SHARED ?? join(REPO_ROOT, '..', 'shared')
const CASE = join(SHARED, 'reference', 'coco-eval')

// The 12 stats COCOeval gives on the case, from its README.
const EXPECTED = {
  ap: 0.712871,
  ap50: 0.712871,
  ap75: 0.712871,
  apSmall: 0.663366,
  apMedium: 1,
  apLarge: 1,
  ar1: 0.428571,
  ar10: 0.714286,
  ar100: 0.714286,
  arSmall: 0.666667,
  arMedium: 1,
  arLarge: 1,
}

interface GroundTruthFile {
  images: { id: number }[]
  categories: { id: number }[]
  annotations: CocoEvalGroundTruth[]
}

describe('COCO evaluation on the reference case', () => {
  it('gives all 12 summary stats within 1e-4', () => {
    if (!existsSync(join(CASE, 'edge_gt.json')))
      throw new Error(
        `the COCO evaluation reference case is missing: looked in ${CASE} ` +
          '(set TRAINING_SERVER_SHARED to the shared folder)',
      )
    const gt = JSON.parse(readFileSync(join(CASE, 'edge_gt.json'), 'utf8')) as GroundTruthFile
    const detections = JSON.parse(
      readFileSync(join(CASE, 'edge_dt.json'), 'utf8'),
    ) as CocoDetectionResult[]
    const report = evaluateBoxes({
      imageIds: gt.images.map((i) => i.id),
      categoryIds: gt.categories.map((c) => c.id),
      groundTruths: gt.annotations,
      detections,
    })
    for (const [name, value] of Object.entries(EXPECTED))
      expect(
        Math.abs(report.stats[name as keyof typeof EXPECTED] - value),
        name,
      ).toBeLessThanOrEqual(1e-4)
  })
})
