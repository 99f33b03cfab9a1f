// One job's steps, in the seed's order: mirror the client's dataset bucket into
// <home>/train_data/<client>, validate it (invalid annotations end the job: nothing is trained or
// uploaded), train in a worker thread into <home>/weights/<client>, upload that folder to the
// model bucket as one set, and delete the local model only once the upload is confirmed. Images
// that cannot be decoded are skipped and listed, up to settings.maxBadImageRate of the dataset.

import { mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import type { AnnotationReport } from '../../src-shared/annotation-report'
import { datasetBucketName, modelBucketName } from '../../src-shared/client-names'
import { appError, toAppError, type AppError } from '../../src-shared/errors'
import type { JobState, TrainingMetrics } from '../../src-shared/job-events'
import type { BackendName, TrainParams, TrainType } from '../../src-shared/train-params'
import { localPaths, type Settings } from '../config/settings'
import { loadDataset, type DatasetFacts } from '../dataset/load-dataset'
import { evictLeastRecentlyUsed } from '../cache/cache-eviction'
import { mirrorBucket } from '../storage/mirror-bucket'
import { abortable } from './abortable'
import type { Job, Outcome } from './job'
import {
  checkpointEpoch,
  datasetFingerprint,
  discardCheckpoint,
  planCheckpoint,
} from './job-checkpoints'
import { prepareBackbone } from './prepare-backbone'
import { runTrainingWorker } from './run-training-worker'
import { saveValidationReport } from './validation-report-file'
import {
  badImageProblem,
  combineSkipped,
  skippedByTraining,
  skippedByValidation,
} from './skipped-images'
import { storeModel } from './store-model'
import { checkTrainingMemory, trainingMemoryLimit } from '../engine/worker/training-memory'
import { setModelAside } from './unsent-models'
import { paramsChosenFromDataset } from './train-defaults'
import type { TrainingMessage } from '../engine/worker/training-protocol'

export interface PipelineContext {
  settings: Settings
  s3: S3Client
  /** Told which backend the training worker chose. */
  onBackend?: (backend: BackendName) => void
  /**
   * True when no other job's worker may have a cache store open, so the caches may be trimmed.
   * Absent: this job is the only one.
   */
  cachesIdle?: () => boolean
}

/** Trims the pixel and embedding caches to their limits, least recently used shards first. */
async function trimCaches(job: Job, ctx: PipelineContext): Promise<void> {
  // An interrupted job's worker may still be closing its stores, and its slot may already be free.
  if (job.controller.signal.aborted || job.terminal || ctx.cachesIdle?.() === false) return
  const { home, limits } = ctx.settings
  const caches = [
    {
      dir: 'pixels',
      what: 'decoded pixels',
      max: limits.pixelCacheMaxBytes,
      setting: 'pixelCacheMaxBytes',
    },
    {
      dir: 'embeddings',
      what: 'embeddings',
      max: limits.embeddingCacheMaxBytes,
      setting: 'embeddingCacheMaxBytes',
    },
  ]
  for (const cache of caches) {
    try {
      const done = await evictLeastRecentlyUsed(join(home, 'cache', cache.dir), cache.max)
      if (done.removedShards > 0)
        job.append({
          type: 'log',
          level: 'info',
          message:
            `cache: removed ${done.removedShards} least recently used shard(s) of ${cache.what} ` +
            `(${(done.removedBytes / 2 ** 20).toFixed(0)} MB) to stay under ${cache.setting}`,
        })
    } catch (err) {
      // A cache that cannot be trimmed costs disk space, not the job.
      job.append({ type: 'log', level: 'warn', message: `cache: ${toAppError(err).message}` })
    }
  }
}

/**
 * Parameters the caller left unset follow from the dataset (input size from the images, batch
 * size, epochs and augmentation from how many there are); the log says what was chosen and why.
 */
function settleParamsFromDataset(job: Job, facts: DatasetFacts): void {
  const before = job.params
  const fromDataset = paramsChosenFromDataset(facts, before.architecture, job.trainType)
  const after = job.settleParams(fromDataset)
  const changed = (Object.keys(fromDataset) as (keyof TrainParams)[]).filter(
    (key) => before[key] !== after[key],
  )
  if (changed.length > 0)
    job.append({
      type: 'log',
      level: 'info',
      message:
        `chosen for ${facts.images} images of median side ${facts.medianSide} px: ` +
        changed.map((key) => `${key} ${String(after[key])}`).join(', '),
    })
}

export async function runTrainingPipeline(job: Job, ctx: PipelineContext): Promise<void> {
  const { settings, s3 } = ctx
  const signal = job.controller.signal
  const prefix = settings.bucketPrefix
  const paths = localPaths(settings.home, job.client)
  const modelBucket = modelBucketName(prefix, job.client)
  let metrics: TrainingMetrics | undefined

  try {
    // A backbone that cannot be used ends the job before the bucket is synced.
    await abortable(prepareBackbone(job, settings), signal)
    job.transition('syncing')
    const datasetBucket = datasetBucketName(prefix, job.client)
    job.append({
      type: 'log',
      level: 'info',
      message: `syncing s3://${datasetBucket} to ${paths.dataset}`,
    })
    const mirror = await abortable(
      mirrorBucket({
        s3,
        bucket: datasetBucket,
        dest: paths.dataset,
        signal,
        onProgress: (p) =>
          job.append({
            type: 'progress',
            stage: 'syncing',
            unit: 'files',
            done: p.filesDone,
            total: p.filesTotal,
            bytesDone: p.bytesDone,
            bytesTotal: p.bytesTotal,
          }),
      }),
      signal,
    )
    job.append({
      type: 'log',
      level: 'info',
      message:
        `synced ${mirror.objects} objects in ${mirror.ms} ms: ${mirror.downloaded} downloaded, ` +
        `${mirror.unchanged} unchanged, ${mirror.deleted} deleted`,
    })

    job.transition('validating')
    const { report, dataset, facts } = await abortable(
      loadDataset(paths.dataset, {
        trainType: job.trainType,
        maxBadImageRate: settings.maxBadImageRate,
      }),
      signal,
    )
    job.append({ type: 'report', report })
    // The kept copy only serves the UI: failing to write it must not fail the job.
    await saveValidationReport(paths.dataset, report).catch(() => undefined)
    if (!report.ok || !dataset) {
      job.finish({
        state: 'failed',
        Training: 'Failed',
        Storing: 'Skipped',
        error: invalidDatasetError(report, settings.maxBadImageRate, job.trainType),
        report,
      })
      return
    }
    const validationSkips = skippedByValidation(report)
    if (validationSkips.skippedImageCount > 0)
      job.append({
        type: 'log',
        level: 'warn',
        message: `${validationSkips.skippedImageCount} image(s) cannot be read and are skipped`,
      })

    if (facts !== undefined) settleParamsFromDataset(job, facts)
    // The dataset may have chosen a larger input or batch than the request alone showed.
    const memoryLimit = settings.limits.trainingMemoryMaxBytes
    checkTrainingMemory(job.params, trainingMemoryLimit(memoryLimit, settings.backend))

    const checkpoint = await planCheckpoint(
      job,
      settings.home,
      await datasetFingerprint(paths.dataset, dataset.classes, dataset.items),
    )
    job.transition('training')
    await prepareWeightsFolder(job, settings.home, paths.weights)
    await trimCaches(job, ctx)
    const trained = await abortable(
      runTrainingWorker(
        {
          task: job.trainType,
          datasetRoot: paths.dataset,
          classes: dataset.classes,
          items: dataset.items,
          params: job.params,
          ...(settings.backend !== undefined && { backend: settings.backend }),
          ...(settings.trainingThreads !== undefined && { threads: settings.trainingThreads }),
          outDir: paths.weights,
          cacheDir: join(settings.home, 'cache'),
          home: settings.home,
          maxBadImageShare: settings.maxBadImageRate,
          backboneMaxBytes: settings.limits.backboneMaxBytes,
          backboneTimeoutMs: settings.limits.backboneTimeoutMs,
          ...(settings.backbonePresetBase !== undefined && {
            backbonePresetBase: settings.backbonePresetBase,
          }),
          memoryLimitBytes: memoryLimit,
          ...(checkpoint && { checkpoint }),
        },
        { signal, onMessage: (message) => relay(job, message, ctx) },
      ),
      signal,
    ).finally(() => trimCaches(job, ctx))
    metrics = trained.metrics
    // The model is whole on disk: an unsent one is retried from there, never trained again.
    await discardCheckpoint(settings.home, job.id)
    if (job.state === 'training') job.transition('exporting')

    // Images whose header was fine but whose pixels were not count against the same limit.
    const skipped = combineSkipped(validationSkips, await skippedByTraining(paths.weights))
    const tooMany = badImageProblem(skipped, report.stats.images, settings.maxBadImageRate)
    if (tooMany) {
      // A model trained on too little of the dataset is not kept: nothing may upload it later.
      await rm(paths.weights, { recursive: true, force: true })
      job.finish({
        state: 'failed',
        Training: 'Failed',
        Storing: 'Skipped',
        error: tooMany,
        report,
        ...skipped,
      })
      return
    }

    await storeModel(job, {
      s3,
      bucket: modelBucket,
      weights: paths.weights,
      journalDir: paths.commits,
      training: 'Succesfull',
      metrics,
      skipped,
      versionsKept: settings.limits.modelVersionsKept,
    })
  } catch (err) {
    if (job.terminal) throw err
    // A run whose training finished needs no checkpoint: its model is on disk or stored.
    const epoch = metrics ? undefined : await checkpointEpoch(settings.home, job.id)
    await endEarly(job, err, metrics, paths.weights, epoch)
  }
}

/**
 * TRAIN_TYPE_MISMATCH when the dataset is for another train type, TOO_MANY_BAD_IMAGES when
 * unreadable images are all that is wrong, else ANNOTATIONS_INVALID.
 */
function invalidDatasetError(
  report: AnnotationReport,
  maxBadImageRate: number,
  trainType: TrainType,
): AppError {
  const errors = report.findings.filter((f) => f.severity === 'error')
  // The dataset is for another train type: that, not its rule breaks as this one, is the answer.
  const mismatch = errors.find((f) => f.code === 'TRAIN_TYPE_MISMATCH')
  if (mismatch)
    return appError('TRAIN_TYPE_MISMATCH', mismatch.message, {
      field: 'train_type',
      file: 'coco/annotations.json',
      details: { trainType, errors: report.errors, warnings: report.warnings },
    })
  const unreadable = report.stats.unreadableImages ?? 0
  if (errors.length > 0 && errors.every((f) => f.code === 'IMAGE_UNREADABLE'))
    return (
      badImageProblem(
        { skippedImages: [], skippedImageCount: unreadable },
        report.stats.images,
        maxBadImageRate,
      ) ?? appError('TOO_MANY_BAD_IMAGES', `${unreadable} image(s) cannot be read`)
    )
  return appError(
    'ANNOTATIONS_INVALID',
    `the dataset has ${report.errors} error(s); nothing was trained or uploaded`,
    {
      file: 'coco/annotations.json',
      details: { errors: report.errors, warnings: report.warnings },
    },
  )
}

/** Passes the worker's messages into the job's log, moving the job to 'exporting' when it does. */
function relay(job: Job, message: TrainingMessage, ctx: PipelineContext): void {
  if (job.terminal) return
  switch (message.type) {
    case 'backend':
      ctx.onBackend?.(message.backend)
      job.append({
        type: 'log',
        level: 'info',
        message: `training on the ${message.backend} backend`,
      })
      return
    case 'progress':
      if (message.stage === 'exporting' && job.state === 'training') job.transition('exporting')
      job.append({
        type: 'progress',
        stage: message.stage,
        unit: message.unit,
        done: message.done,
        total: message.total,
        ...(message.epoch !== undefined && { epoch: message.epoch }),
      })
      return
    case 'epoch':
      job.append({ type: 'epoch', ...message.metrics })
      return
    case 'log':
      job.append({ type: 'log', level: message.level, message: message.message })
      return
    default:
      // 'done' and 'error' settle runTrainingWorker's promise; nothing to log twice.
      return
  }
}

/**
 * The weights folder is written fresh for every job. A model.h5 still in it was never confirmed
 * uploaded (the folder is deleted after every confirmed upload), so it is moved aside, not deleted.
 */
async function prepareWeightsFolder(job: Job, home: string, weights: string): Promise<void> {
  const leftover = await stat(join(weights, 'model.h5')).catch(() => undefined)
  if (leftover) {
    const aside = await setModelAside(home, job.client, job.id, weights)
    job.append({
      type: 'log',
      level: 'warn',
      message: `${weights} held a model that was never uploaded; it was moved to ${aside}`,
    })
  }
  await rm(weights, { recursive: true, force: true })
  await mkdir(weights, { recursive: true })
}

async function endEarly(
  job: Job,
  err: unknown,
  metrics: TrainingMetrics | undefined,
  weights: string,
  checkpointEpoch: number | undefined,
): Promise<void> {
  const interrupted = job.controller.signal.aborted
  const error: AppError = interrupted ? toAppError(job.controller.signal.reason) : toAppError(err)
  // A finished model that did not reach the bucket stays on disk; say where.
  const modelKept =
    metrics !== undefined &&
    (await stat(join(weights, 'model.h5')).catch(() => undefined)) !== undefined
  if (job.terminal) return
  const stage: JobState = job.state
  const storingStarted = stage === 'uploading'
  const training: Outcome = storingStarted ? 'Succesfull' : interrupted ? 'Interrupted' : 'Failed'
  const storing: Outcome = storingStarted ? (interrupted ? 'Interrupted' : 'Failed') : 'Skipped'
  job.finish({
    state: interrupted ? 'interrupted' : 'failed',
    Training: training,
    Storing: storing,
    error,
    ...(metrics !== undefined && { metrics }),
    ...(modelKept && { localModelDir: weights }),
    ...(checkpointEpoch !== undefined && { checkpointEpoch }),
  })
}
