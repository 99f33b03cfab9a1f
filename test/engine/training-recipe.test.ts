import { describe, expect, it } from 'vitest'
import {
  drawVariation,
  imageAugmenter,
  renderVariation,
} from '../../src-main/engine/data/augment-image'
import {
  MAX_CLASS_WEIGHT,
  balancedClassWeights,
} from '../../src-main/engine/tasks/classification/class-weights'
import { seededRandom } from '../../src-shared/seeded-random'
import { trainingSchedule } from '../../src-main/engine/trainer/training-schedule'
import { resolveTrainParams } from '../../src-main/jobs/train-request'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { syntheticImageSet } from './synthetic-images'

describe('balancedClassWeights', () => {
  it('weights classes by images / (classes × class images)', () => {
    // 6 images: 4 of class 0, 2 of class 1, none of class 2 (two classes present).
    const weights = balancedClassWeights([0, 0, 1, 0, 1, 0], 6, 3)
    expect(weights).toEqual([6 / (2 * 4), 6 / (2 * 2), 1])
  })

  it('gives no weights for balanced classes, and caps rare ones', () => {
    expect(balancedClassWeights([0, 1, 2, 2, 1, 0], 6, 3)).toBeUndefined()
    const labels = [...new Array<number>(999).fill(0), 1]
    expect(balancedClassWeights(labels, 1000, 2)).toEqual([1000 / (2 * 999), MAX_CLASS_WEIGHT])
  })

  it('counts only the first `count` labels', () => {
    expect(balancedClassWeights([0, 1, 1, 1, 1], 2, 2)).toBeUndefined()
  })
})

describe('trainingSchedule', () => {
  it('halves the learning rate after two epochs without progress and stops after patience', () => {
    const schedule = trainingSchedule({ learningRate: 0.01, patience: 4, reduceOnPlateau: true })
    const decisions = [1.0, 0.8, 0.9, 0.85, 0.81, 0.79, 0.8, 0.8, 0.8, 0.8].map((loss) =>
      schedule.observe(loss),
    )
    expect(decisions.map((d) => d.improved)).toEqual([
      true,
      true,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      false,
    ])
    expect(decisions.map((d) => d.learningRate)).toEqual([
      0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.005, 0.0025, 0.0025, 0.00125,
    ])
    expect(decisions.map((d) => d.stop)).toEqual([...new Array<boolean>(9).fill(false), true])
    expect(schedule.bestEpoch).toBe(6)
  })

  it('never stops with patience 0 and keeps the rate when asked to', () => {
    const schedule = trainingSchedule({ learningRate: 0.01, patience: 0, reduceOnPlateau: false })
    const decisions = [1, 2, 3, 4, 5, 6].map((loss) => schedule.observe(loss))
    expect(decisions.some((d) => d.stop)).toBe(false)
    expect(new Set(decisions.map((d) => d.learningRate))).toEqual(new Set([0.01]))
    expect(schedule.bestEpoch).toBe(1)
  })

  it('does not let the rate fall below a 32nd of the start', () => {
    const schedule = trainingSchedule({ learningRate: 1, patience: 0, reduceOnPlateau: true })
    schedule.observe(1)
    let last = 1
    for (let i = 0; i < 30; i++) last = schedule.observe(2).learningRate
    expect(last).toBe(1 / 32)
  })
})

describe('image augmentation', () => {
  const set = syntheticImageSet(1, 3, 16)
  const stride = 16 * 16 * 3

  function augmented(seed: number): Float32Array[] {
    const augment = imageAugmenter(seededRandom(seed))
    return [0, 1, 2].map((n) => {
      const out = new Float32Array(stride)
      augment(set.pixels, n * stride, 16, out, 0)
      return out
    })
  }

  it('is the same for the same seed and different for another', () => {
    const first = augmented(11)
    expect(augmented(11)).toEqual(first)
    expect(augmented(12)).not.toEqual(first)
    const original = Float32Array.from(set.pixels.subarray(0, stride))
    expect(first[0]).not.toEqual(original)
    for (const image of first)
      for (const value of image) expect(value >= 0 && value <= 255).toBe(true)
  })

  it('renders the identity variation as the image itself, and a mirror as its mirror', () => {
    const identity = {
      mirror: false,
      rotation: 0,
      scale: 1,
      shiftX: 0,
      shiftY: 0,
      brightness: 1,
      contrast: 1,
    }
    const out = new Float32Array(stride)
    renderVariation(set.pixels, 0, 16, out, 0, identity)
    for (let i = 0; i < stride; i++) expect(out[i]).toBeCloseTo(set.pixels[i] as number, 3)
    renderVariation(set.pixels, 0, 16, out, 0, { ...identity, mirror: true })
    // Pixel (y=5, x=0) comes from (y=5, x=15).
    for (let c = 0; c < 3; c++)
      expect(out[(5 * 16 + 0) * 3 + c]).toBeCloseTo(set.pixels[(5 * 16 + 15) * 3 + c] as number, 3)
  })

  it('draws variations within their limits', () => {
    const random = seededRandom(1)
    for (let i = 0; i < 200; i++) {
      const v = drawVariation(random)
      expect(Math.abs(v.rotation)).toBeLessThanOrEqual((10 * Math.PI) / 180)
      expect(v.scale).toBeGreaterThanOrEqual(0.9)
      expect(v.scale).toBeLessThanOrEqual(1.1)
      expect(Math.abs(v.brightness - 1)).toBeLessThanOrEqual(0.2)
    }
  })
})

describe('recipe parameters', () => {
  it('parses augment as a flag and patience as an integer', () => {
    expect(resolveTrainParams({ augment: 'false', patience: '3' })).toMatchObject({
      augment: false,
      patience: 3,
    })
    expect(resolveTrainParams({ augment: true }).augment).toBe(true)
    expect(resolveTrainParams({ augment: '1' }).augment).toBe(true)
    expect(resolveTrainParams({ augment: 0 }).augment).toBe(false)
    expect(resolveTrainParams({})).toMatchObject({
      augment: DEFAULT_TRAIN_PARAMS.augment,
      patience: DEFAULT_TRAIN_PARAMS.patience,
    })
    expect(() => resolveTrainParams({ augment: 'maybe' })).toThrow(/augment must be true or false/)
    expect(() => resolveTrainParams({ patience: 1.5 })).toThrow(/patience must be an integer/)
  })
})
