import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure, type AppError } from '../../src-shared/errors'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { runTrainingWorker } from '../../src-main/jobs/run-training-worker'

let root: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'worker-memory-'))
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('the training worker and the memory limit', () => {
  it('refuses before decoding anything when the training would not fit', async () => {
    const error = await runTrainingWorker(
      {
        datasetRoot: root,
        classes: [
          { index: 0, categoryId: 1, name: 'a' },
          { index: 1, categoryId: 2, name: 'b' },
        ],
        items: [
          { imageId: 1, fileName: 'a.png', label: 0 },
          { imageId: 2, fileName: 'b.png', label: 1 },
        ],
        params: { ...DEFAULT_TRAIN_PARAMS, imageSize: 256, batchSize: 64 },
        backend: 'cpu',
        outDir: join(root, 'out'),
        cacheDir: join(root, 'cache'),
        memoryLimitBytes: 64 * 1024 ** 2,
      },
      { onMessage: () => {} },
    ).then(
      () => undefined,
      (thrown: unknown) => (thrown instanceof AppFailure ? thrown.error : undefined),
    )
    expect((error as AppError | undefined)?.code).toBe('TRAINING_TOO_LARGE')
    expect(error?.details).toMatchObject({ limitBytes: 64 * 1024 ** 2, inputSide: 256 })
    // Nothing was decoded into the pixel cache.
    expect(existsSync(join(root, 'cache', 'pixels'))).toBe(false)
  }, 60_000)
})
