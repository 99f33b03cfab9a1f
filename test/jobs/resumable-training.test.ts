import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EpochMetrics } from '../../src-shared/job-events'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import type { ClassInfo, ClassificationItem } from '../../src-shared/validate-annotations'
import { readCheckpointManifest } from '../../src-main/engine/trainer/training-checkpoint'
import { runTrainingWorker } from '../../src-main/jobs/run-training-worker'
import type {
  TrainingMessage,
  TrainingRequest,
} from '../../src-main/engine/worker/training-protocol'
import { syntheticImageSet } from '../engine/synthetic-images'

const CLASSES: ClassInfo[] = [
  { index: 0, categoryId: 1, name: 'horizontal' },
  { index: 1, categoryId: 2, name: 'vertical' },
  { index: 2, categoryId: 3, name: 'square' },
]
const EPOCHS = 4

let root: string
let items: ClassificationItem[]

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'resumable-'))
  mkdirSync(join(root, 'images'))
  const size = 16
  const set = syntheticImageSet(6, 9, size)
  const stride = size * size * 3
  items = await Promise.all(
    Array.from({ length: set.count }, async (_, n) => {
      const fileName = `img-${String(n).padStart(3, '0')}.png`
      await sharp(Buffer.from(set.pixels.subarray(n * stride, (n + 1) * stride)), {
        raw: { width: size, height: size, channels: 3 },
      })
        .png()
        .toFile(join(root, 'images', fileName))
      return { imageId: n, fileName, label: set.labels[n] as number }
    }),
  )
})

afterAll(() => rmSync(root, { recursive: true, force: true }))

function request(name: string, checkpoint?: TrainingRequest['checkpoint']): TrainingRequest {
  return {
    datasetRoot: root,
    classes: CLASSES,
    items,
    params: {
      ...DEFAULT_TRAIN_PARAMS,
      imageSize: 16,
      epochs: EPOCHS,
      batchSize: 4,
      patience: 3,
      seed: 11,
    },
    outDir: join(root, name),
    cacheDir: join(root, 'cache'),
    threads: 1,
    ...(checkpoint && { checkpoint }),
  }
}

const history = (epochs: EpochMetrics[]) =>
  epochs.map(({ imagesPerSec: _speed, elapsedMs: _elapsed, ...rest }) => rest)

describe('training that pauses and resumes through the worker', () => {
  it('a worker stopped after epoch 2 leaves a checkpoint; resuming it gives the straight run', async () => {
    const straight = await runTrainingWorker(request('straight'), { onMessage: () => {} })

    const dir = join(root, 'checkpoints', 'job-a')
    const controller = new AbortController()
    const stopped = runTrainingWorker(request('paused', { dir, datasetFingerprint: 'f' }), {
      signal: controller.signal,
      // Terminated (not asked) as soon as epoch 2 is reported: the kill lands while the
      // checkpoint of epoch 2 may still be being written, so only whole ones may count.
      onMessage: (message: TrainingMessage) => {
        if (message.type === 'epoch' && message.metrics.epoch === 2) controller.abort()
      },
    })
    await expect(stopped).rejects.toMatchObject({ error: { code: 'INTERRUPTED' } })
    const manifest = await readCheckpointManifest(dir)
    expect(manifest?.epoch).toBeGreaterThanOrEqual(1)
    expect(manifest?.epoch).toBeLessThanOrEqual(2)

    const refused = runTrainingWorker(
      request('refused', { dir, datasetFingerprint: 'other', resumeFrom: dir }),
      { onMessage: () => {} },
    )
    await expect(refused).rejects.toMatchObject({
      error: { code: 'RESUME_NOT_POSSIBLE', details: { reason: 'dataset-changed' } },
    })

    const posted: EpochMetrics[] = []
    const resumed = await runTrainingWorker(
      request('resumed', { dir, datasetFingerprint: 'f', resumeFrom: dir }),
      { onMessage: (m) => m.type === 'epoch' && posted.push(m.metrics) },
    )
    // Old and new epochs, in the messages and in the final metrics alike.
    expect(history(resumed.metrics.epochs)).toEqual(history(straight.metrics.epochs))
    expect(history(posted)).toEqual(history(straight.metrics.epochs))
    expect(resumed.metrics.finalValLoss).toBe(straight.metrics.finalValLoss)
    // The exported weights are the same bytes.
    expect(readFileSync(join(root, 'resumed', 'weights.bin'))).toEqual(
      readFileSync(join(root, 'straight', 'weights.bin')),
    )
    expect(existsSync(join(root, 'straight', 'model.h5'))).toBe(true)
  })
})
