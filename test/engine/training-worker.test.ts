import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AppFailure } from '../../src-shared/errors'
import { DEFAULT_TRAIN_PARAMS } from '../../src-shared/train-params'
import type { ClassInfo, ClassificationItem } from '../../src-shared/validate-annotations'
import { runTrainingWorker, trainingWorkerEntry } from '../../src-main/jobs/run-training-worker'
import type {
  LabelsFile,
  MetricsFile,
  TrainingMessage,
  TrainingRequest,
} from '../../src-main/engine/worker/training-protocol'
import { syntheticImageSet } from './synthetic-images'
import { classificationMetrics } from '../../src-shared/tasks/task-metrics'
import type { ClassificationTrainingMetrics } from '../../src-shared/job-events'

const CLASSES: ClassInfo[] = [
  { index: 0, categoryId: 1, name: 'horizontal' },
  { index: 1, categoryId: 2, name: 'vertical' },
  { index: 2, categoryId: 7, name: 'square' },
]

let root: string
let items: ClassificationItem[]

/** A dataset folder of real PNG files (24 px, decoded down to 16 px) plus one broken file. */
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'engine-worker-'))
  mkdirSync(join(root, 'images'))
  const size = 24
  const set = syntheticImageSet(6, 21, size)
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
  writeFileSync(join(root, 'images', 'broken.png'), 'this is not a png')
  items.push({ imageId: 100, fileName: 'broken.png', label: 0 })
})

afterAll(() => rmSync(root, { recursive: true, force: true }))

function request(overrides: Partial<TrainingRequest> = {}): TrainingRequest {
  return {
    datasetRoot: root,
    classes: CLASSES,
    items,
    params: { ...DEFAULT_TRAIN_PARAMS, imageSize: 16, epochs: 2, batchSize: 4 },
    outDir: join(root, 'out'),
    cacheDir: join(root, 'cache'),
    threads: 1,
    ...overrides,
  }
}

function errorOf(promise: Promise<unknown>) {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof AppFailure ? error.error : { code: String(error) }),
  )
}

describe('trainingWorkerEntry', () => {
  it('starts TypeScript sources through a tsx bootstrap', () => {
    const entry = trainingWorkerEntry()
    expect(entry.url.protocol).toBe('data:')
    expect(decodeURIComponent(entry.url.href)).toContain('training-worker.ts')
    expect(entry.execArgv).toEqual([])
  })
})

describe('runTrainingWorker', () => {
  it('trains in a worker thread and writes the model files', async () => {
    const messages: TrainingMessage[] = []
    const result = await runTrainingWorker(request(), { onMessage: (m) => messages.push(m) })
    const out = join(root, 'out')
    expect(result.files).toEqual([
      'model.h5',
      'model.json',
      'weights.bin',
      'labels.json',
      'metrics.json',
    ])
    for (const file of result.files) expect(existsSync(join(out, file))).toBe(true)

    expect(messages[0]).toEqual({ type: 'backend', backend: 'wasm' })
    expect(messages.at(-1)?.type).toBe('done')
    const warnings = messages.filter((m) => m.type === 'log' && m.level === 'warn')
    expect(warnings).toHaveLength(1)
    expect(JSON.stringify(warnings[0])).toContain('broken.png')
    expect(messages).toContainEqual({
      type: 'log',
      level: 'info',
      message: '0 images from the pixel cache, 18 decoded',
    })
    const decoding = messages.filter((m) => m.type === 'progress' && m.unit === 'images')
    expect(decoding.at(-1)).toMatchObject({ stage: 'training', done: 19, total: 19 })
    const batches = messages.filter((m) => m.type === 'progress' && m.unit === 'batches')
    expect(batches.at(-1)).toMatchObject({ stage: 'training', done: 8, total: 8, epoch: 2 })
    expect(messages.filter((m) => m.type === 'epoch')).toHaveLength(2)
    expect(
      messages.filter((m) => m.type === 'progress' && m.stage === 'exporting').at(-1),
    ).toMatchObject({
      unit: 'files',
      done: 5,
      total: 5,
    })

    expect(result.metrics).toMatchObject({
      backend: 'wasm',
      trainImages: 15,
      valImages: 3,
      classes: ['horizontal', 'vertical', 'square'],
    })
    expect(result.metrics.epochs).toHaveLength(2)

    const labels = JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8')) as LabelsFile
    expect(labels).toEqual({
      task: 'classification',
      classes: CLASSES,
      inputSize: [16, 16, 3],
      inputRange: [0, 255],
      channels: 'RGB',
      resizeMode: 'fill',
    })
    const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as MetricsFile &
      ClassificationTrainingMetrics
    expect(metrics.params).toEqual(request().params)
    expect(metrics.threads).toBe(1)
    expect(metrics.finalValAccuracy).toBe(classificationMetrics(result.metrics)?.finalValAccuracy)
    expect(metrics.skippedImages.map((s) => s.file)).toEqual(['broken.png'])

    // The evaluation reaches both the 'done' message and metrics.json, and adds up on the 3
    // validation images (one per class: the split is stratified).
    const evaluation = classificationMetrics(result.metrics)
    if (!evaluation) throw new Error('a classifier run reports classification metrics')
    expect(evaluation.perClass?.map((c) => [c.name, c.support])).toEqual([
      ['horizontal', 1],
      ['vertical', 1],
      ['square', 1],
    ])
    const counts = evaluation.confusionMatrix?.counts ?? []
    expect(counts.map((row) => row.reduce((a, b) => a + b, 0))).toEqual([1, 1, 1])
    const right = counts.reduce((sum, row, c) => sum + (row[c] ?? 0), 0)
    expect(right / 3).toBeCloseTo(evaluation.finalValAccuracy, 6)
    expect(evaluation.topMistakes).toHaveLength(3 - right)
    const fileNames = new Set(items.map((item) => item.fileName))
    for (const mistake of evaluation.topMistakes ?? []) {
      expect(fileNames.has(mistake.file)).toBe(true)
      expect(mistake.actual).not.toBe(mistake.predicted)
    }
    expect(evaluation.bestEpoch).toBeGreaterThanOrEqual(1)
    expect(metrics.perClass).toEqual(evaluation.perClass)
    expect(metrics.confusionMatrix).toEqual(evaluation.confusionMatrix)
    expect(metrics.topMistakes).toEqual(evaluation.topMistakes)
  })

  it('fails with TOO_MANY_BAD_IMAGES when more than a fifth cannot be decoded', async () => {
    const missing = Array.from({ length: 5 }, (_, i) => ({
      imageId: 200 + i,
      fileName: `missing-${i}.png`,
      label: i % 3,
    }))
    const error = await errorOf(
      runTrainingWorker(request({ items: [...items, ...missing], outDir: join(root, 'bad') }), {
        onMessage: () => {},
      }),
    )
    expect(error).toMatchObject({ code: 'TOO_MANY_BAD_IMAGES', details: { skipped: 6, total: 24 } })
    expect(existsSync(join(root, 'bad', 'model.h5'))).toBe(false)
  })

  it('takes the allowed share of bad images from the request', async () => {
    const missing = Array.from({ length: 5 }, (_, i) => ({
      imageId: 300 + i,
      fileName: `missing-${i}.png`,
      label: i % 3,
    }))
    const strict = await errorOf(
      runTrainingWorker(
        request({
          items: [...items, ...missing],
          outDir: join(root, 'strict'),
          maxBadImageShare: 0.1,
        }),
        { onMessage: () => {} },
      ),
    )
    expect(strict).toMatchObject({ code: 'TOO_MANY_BAD_IMAGES', message: /at most 10% may fail/ })
    const logs: string[] = []
    const lenient = await errorOf(
      runTrainingWorker(
        request({
          items: [...items, ...missing],
          outDir: join(root, 'lenient'),
          maxBadImageShare: 0.5,
        }),
        { onMessage: (m) => m.type === 'log' && logs.push(m.message) },
      ).then(() => undefined),
    )
    expect(lenient).toBeUndefined()
    // The earlier runs left every readable image in the pixel cache.
    expect(logs).toContain('18 images from the pixel cache, 0 decoded')
    expect(existsSync(join(root, 'lenient', 'model.h5'))).toBe(true)
  })

  it('refuses with CACHE_WRITE_FAILED, before decoding, when the cache folder cannot be made', async () => {
    writeFileSync(join(root, 'not-a-folder'), '')
    const cacheDir = join(root, 'not-a-folder', 'cache')
    const messages: TrainingMessage[] = []
    const error = await errorOf(
      runTrainingWorker(request({ cacheDir, outDir: join(root, 'uncached') }), {
        onMessage: (m) => messages.push(m),
      }),
    )
    expect(error).toMatchObject({
      code: 'CACHE_WRITE_FAILED',
      message: expect.stringContaining(cacheDir),
      details: { dir: expect.stringContaining(cacheDir) },
    })
    expect(messages.some((m) => m.type === 'progress')).toBe(false)
    expect(existsSync(join(root, 'uncached', 'model.h5'))).toBe(false)
  })

  it('stops within 2 s of an abort, mid-training', async () => {
    const controller = new AbortController()
    let abortedAt = 0
    let lateMessages = 0
    const running = runTrainingWorker(
      request({ params: { ...request().params, epochs: 500 }, outDir: join(root, 'stopped') }),
      {
        signal: controller.signal,
        onMessage: (m) => {
          if (abortedAt > 0) lateMessages++
          else if (m.type === 'epoch') {
            abortedAt = performance.now()
            controller.abort()
          }
        },
      },
    )
    const error = await errorOf(running)
    expect(error).toMatchObject({ code: 'INTERRUPTED' })
    expect(abortedAt).toBeGreaterThan(0)
    expect(performance.now() - abortedAt).toBeLessThan(2000)
    expect(lateMessages).toBe(0)
    expect(existsSync(join(root, 'stopped', 'model.h5'))).toBe(false)
  })

  it('closes its cache files when stopped while decoding', async () => {
    const cacheDir = join(root, 'cache-stopped')
    // Files of the process (every thread's) that lie in the cache folder.
    const openCacheFiles = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(cacheDir)
        } catch {
          return false
        }
      })
    let openWhenStopped = 0
    const controller = new AbortController()
    const error = await errorOf(
      runTrainingWorker(request({ cacheDir, outDir: join(root, 'stopped-early') }), {
        signal: controller.signal,
        onMessage: (m) => {
          if (m.type !== 'progress' || m.unit !== 'images' || controller.signal.aborted) return
          openWhenStopped = openCacheFiles().length
          controller.abort()
        },
      }),
    )
    expect(error).toMatchObject({ code: 'INTERRUPTED' })
    expect(openWhenStopped).toBeGreaterThan(0)
    expect(openCacheFiles()).toEqual([])
  })

  it('reports WORKER_DIED when the thread cannot even start', async () => {
    const uncopyable = { ...request(), outDir: (() => 'out') as unknown as string }
    expect(await errorOf(runTrainingWorker(uncopyable, { onMessage: () => {} }))).toMatchObject({
      code: 'WORKER_DIED',
    })
  })

  it('refuses to start when already aborted, and gives up after timeoutMs', async () => {
    const controller = new AbortController()
    controller.abort()
    expect(
      await errorOf(
        runTrainingWorker(request(), { signal: controller.signal, onMessage: () => {} }),
      ),
    ).toMatchObject({ code: 'INTERRUPTED' })
    expect(
      await errorOf(runTrainingWorker(request(), { timeoutMs: 50, onMessage: () => {} })),
    ).toMatchObject({ code: 'TRAINING_TIMEOUT' })
  })
})
