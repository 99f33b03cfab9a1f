// The benches' shared arithmetic: medians of repeated runs, ratios, the step's FLOPs read from
// the reference network's layers, and where the PyTorch reference script is found.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { median, medianLine, ratioOf } from '../../bench/bench-summary'
import { flopsPerImage, stepKernels } from '../../bench/network-flops'
import { referenceScript } from '../../bench/reference-peer'
import { buildReferenceNetwork } from '../../src-main/engine/tasks/classification/model'

describe('bench summaries', () => {
  it('take the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })

  it('sum runs up as medians of their numbers beside the fields they agree on', () => {
    const line = medianLine([
      { bench: 'x', side: 'ours', images_per_s: 100, note: 'a', run: 1 },
      { bench: 'x', side: 'ours', images_per_s: 300, note: 'b', run: 2 },
      { bench: 'x', side: 'ours', images_per_s: 120, note: 'a', run: 3 },
    ])
    expect(line).toEqual({
      bench: 'x',
      side: 'ours',
      images_per_s: 120,
      summary: 'median',
      runs: 3,
    })
  })

  it('give ratios only when both sides are numbers', () => {
    expect(ratioOf(1094, 2197)).toBe(0.498)
    expect(ratioOf(1, undefined)).toBeUndefined()
    expect(ratioOf(1, 0)).toBeUndefined()
  })
})

describe('the reference network step', () => {
  it('costs about 17 MFLOP per image, counted layer by layer', () => {
    const model = buildReferenceNetwork({ imageSize: 28, numClasses: 10, seed: 1 })
    try {
      // Forward multiply-adds ×2: conv 26²·32·9·3, conv 11²·64·9·32, dense 1600·128, dense 128·10.
      const forward = [26 * 26 * 32 * 27, 11 * 11 * 64 * 288, 1600 * 128, 128 * 10].map(
        (m) => 2 * m,
      )
      // Backward: a weight gradient for each, an input gradient for all but the first.
      const expected = forward.reduce((sum, f) => sum + f, 0) * 3 - (forward[0] ?? 0)
      expect(flopsPerImage(model)).toBe(expected)
      expect(expected / 1e6).toBeCloseTo(16.95, 2)
      const kernels = stepKernels(model, 64)
      expect(kernels).toHaveLength(11)
      expect(kernels[0]).toMatchObject({
        layer: 'conv2d',
        role: 'forward',
        input: [64, 28, 28, 3],
        filter: [3, 3, 3, 32],
        output: [64, 26, 26, 32],
      })
    } finally {
      model.dispose()
    }
  })
})

describe('the PyTorch reference script', () => {
  it('is found in a shared/reference folder beside the project or any folder above it', () => {
    const root = mkdtempSync(join(tmpdir(), 'peer-layout-'))
    try {
      const project = join(root, 'wt', 'project')
      mkdirSync(project, { recursive: true })
      mkdirSync(join(root, 'shared', 'reference'), { recursive: true })
      const script = join(root, 'shared', 'reference', 'peer.py')
      writeFileSync(script, '')
      expect(referenceScript('peer.py', {}, project)).toBe(script)
      expect(referenceScript('missing.py', {}, project)).toBeUndefined()
      expect(
        referenceScript('peer.py', { TRAINING_SERVER_SHARED: join(root, 'elsewhere') }, project),
      ).toBeUndefined()
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
