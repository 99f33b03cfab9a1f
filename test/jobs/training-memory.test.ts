import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AppFailure, type AppError } from '../../src-shared/errors'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import { loadSettings, type Settings } from '../../src-main/config/settings'
import { statusOf } from '../../src-main/http/responses'
import { JobService } from '../../src-main/jobs/job-service'
import { RunHistory } from '../../src-main/jobs/run-history'
import {
  checkTrainingMemory,
  estimateTrainingBytes,
  trainingMemoryLimit,
  WASM_MEMORY_BYTES,
} from '../../src-main/engine/worker/training-memory'

function refusal(run: () => unknown): AppError | undefined {
  try {
    run()
  } catch (thrown) {
    if (thrown instanceof AppFailure) return thrown.error
    throw thrown
  }
  return undefined
}

describe('training memory estimate', () => {
  it('grows with the batch and the square of the input side', () => {
    const base = { ...DEFAULT_TRAIN_PARAMS, batchSize: 16, imageSize: 64 }
    const bytes = estimateTrainingBytes(base)
    expect(estimateTrainingBytes({ ...base, batchSize: 32 })).toBe(2 * bytes)
    expect(estimateTrainingBytes({ ...base, imageSize: 128 })).toBe(4 * bytes)
    // A backbone's own input size counts, not image_size.
    expect(estimateTrainingBytes(base, 4096)).toBe((4096 ** 2 / 64 ** 2) * bytes)
  })

  it('lets the defaults through and refuses image_size=512 with batch_size=1024', () => {
    const limit = 8 * 1024 ** 3
    expect(refusal(() => checkTrainingMemory(DEFAULT_TRAIN_PARAMS, limit))).toBeUndefined()
    const error = refusal(() =>
      checkTrainingMemory({ ...DEFAULT_TRAIN_PARAMS, imageSize: 512, batchSize: 1024 }, limit),
    )
    expect(error?.code).toBe('TRAINING_TOO_LARGE')
    expect(error?.message).toContain('batch_size=1024')
    expect(error?.message).toContain('image_size=512')
    expect(error?.details).toMatchObject({
      limitBytes: limit,
      fields: ['batch_size', 'image_size'],
    })
    expect((error?.details as { estimatedBytes: number }).estimatedBytes).toBeGreaterThan(limit)
    expect(error && statusOf(error)).toBe(422)
  })

  it('refuses a backbone that declares a huge input', () => {
    const error = refusal(() =>
      checkTrainingMemory(
        { ...DEFAULT_TRAIN_PARAMS, architecture: 'transfer' },
        trainingMemoryLimit(0, 'wasm'),
        4096,
      ),
    )
    expect(error?.code).toBe('TRAINING_TOO_LARGE')
    expect(error?.message).toContain('4096×4096')
  })

  it('caps the limit at the wasm heap and defaults to half the machine', () => {
    expect(trainingMemoryLimit(64 * 1024 ** 3, 'wasm')).toBe(WASM_MEMORY_BYTES)
    expect(trainingMemoryLimit(64 * 1024 ** 3, 'tensorflow')).toBe(64 * 1024 ** 3)
    expect(trainingMemoryLimit(0)).toBeGreaterThan(0)
  })
})

describe('JobService.start and the memory limit', () => {
  let home: string
  let settings: Settings
  let service: JobService | undefined
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'ts-memory-'))
    settings = loadSettings({
      TRAINING_SERVER_HOME: home,
      TRAINING_SERVER_TRAINING_MEMORY_MAX_BYTES: String(4 * 1024 ** 3),
    })
  })
  afterEach(async () => {
    await service?.close()
    service = undefined
    await rm(home, { recursive: true, force: true })
  })

  it('refuses the request before any job or run record exists', async () => {
    expect(settings.limits.trainingMemoryMaxBytes).toBe(4 * 1024 ** 3)
    let ran = 0
    service = await JobService.create({
      settings,
      s3: {} as S3Client,
      history: new RunHistory(join(home, 'runs')),
      runner: async () => {
        ran++
      },
    })
    const jobs = service
    const error = refusal(() =>
      jobs.start({
        client: 'client0',
        trainType: 'classification',
        params: { imageSize: 512, batchSize: 1024 },
      }),
    )
    expect(error?.code).toBe('TRAINING_TOO_LARGE')
    expect(error?.field).toBe('batch_size')
    expect(jobs.list()).toEqual([])
    await jobs.close()
    expect(await readdir(join(home, 'runs'))).toEqual([])
    expect(ran).toBe(0)
  })
})
