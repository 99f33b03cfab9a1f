// One job's steps, in the seed's order: mirror the client's dataset bucket into
// <home>/train_data/<client>, validate it (invalid annotations end the job: nothing is trained or
// uploaded), train in a worker thread into <home>/weights/<client>, upload that folder to the
// model bucket, and delete the local model only once the upload is confirmed. A model whose upload
// failed stays on disk and the result says where.

import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { datasetBucketName, modelBucketName } from '../../src-shared/client-names'
import { appError, toAppError, type AppError } from '../../src-shared/errors'
import type { JobState, TrainingMetrics } from '../../src-shared/job-events'
import type { BackendName } from '../../src-shared/train-params'
import { localPaths, type Settings } from '../config/settings'
import { loadDataset } from '../dataset/load-dataset'
import { mirrorBucket } from '../storage/mirror-bucket'
import { uploadFolder } from '../storage/upload-folder'
import { abortable } from './abortable'
import type { Job, Outcome } from './job'
import { runTrainingWorker } from './run-training-worker'
import type { TrainingMessage } from './training-protocol'

export interface PipelineContext {
  settings: Settings
  s3: S3Client
  /** Told which backend the training worker chose. */
  onBackend?: (backend: BackendName) => void
}

export async function runTrainingPipeline(job: Job, ctx: PipelineContext): Promise<void> {
  const { settings, s3 } = ctx
  const signal = job.controller.signal
  const prefix = settings.bucketPrefix
  const paths = localPaths(settings.home, job.client)
  const modelBucket = modelBucketName(prefix, job.client)
  let metrics: TrainingMetrics | undefined

  try {
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
    const { report, dataset } = await abortable(
      loadDataset(paths.dataset, { trainType: job.trainType }),
      signal,
    )
    job.append({ type: 'report', report })
    if (!report.ok || !dataset) {
      job.finish({
        state: 'failed',
        Training: 'Failed',
        Storing: 'Skipped',
        error: appError(
          'ANNOTATIONS_INVALID',
          `the dataset has ${report.errors} error(s); nothing was trained or uploaded`,
          {
            file: 'coco/annotations.json',
            details: { errors: report.errors, warnings: report.warnings },
          },
        ),
        report,
      })
      return
    }

    job.transition('training')
    await prepareWeightsFolder(job, settings.home, paths.weights)
    const trained = await abortable(
      runTrainingWorker(
        {
          datasetRoot: paths.dataset,
          classes: dataset.classes,
          items: dataset.items,
          params: job.params,
          ...(settings.backend !== undefined && { backend: settings.backend }),
          outDir: paths.weights,
        },
        { signal, onMessage: (message) => relay(job, message, ctx) },
      ),
      signal,
    )
    metrics = trained.metrics
    if (job.state === 'training') job.transition('exporting')

    job.transition('uploading')
    job.append({
      type: 'log',
      level: 'info',
      message: `uploading ${paths.weights} to s3://${modelBucket}`,
    })
    let modelKeys
    try {
      modelKeys = await abortable(
        uploadFolder({
          s3,
          bucket: modelBucket,
          folder: paths.weights,
          createBucket: true,
          signal,
          onProgress: (p) =>
            job.append({
              type: 'progress',
              stage: 'uploading',
              unit: 'files',
              done: p.filesDone,
              total: p.filesTotal,
              bytesDone: p.bytesDone,
              bytesTotal: p.bytesTotal,
            }),
        }),
        signal,
      )
    } catch (err) {
      if (signal.aborted) throw err
      job.finish({
        state: 'failed',
        Training: 'Succesfull',
        Storing: 'Failed',
        error: toAppError(err),
        metrics,
        modelBucket,
        localModelDir: paths.weights,
      })
      return
    }
    // Confirmed in the bucket (uploadFolder checks every object): only now may the local copy go.
    await rm(paths.weights, { recursive: true, force: true }).catch((err: unknown) =>
      job.append({
        type: 'log',
        level: 'warn',
        message: `could not remove ${paths.weights}: ${String(err)}`,
      }),
    )
    job.finish({
      state: 'done',
      Training: 'Succesfull',
      Storing: 'Succesfull',
      modelBucket,
      modelKeys,
      metrics,
    })
  } catch (err) {
    if (job.terminal) throw err
    await endEarly(job, err, metrics, paths.weights)
  }
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
    const aside = join(home, 'unsent-models', job.client, `before-${job.id}`)
    await mkdir(join(home, 'unsent-models', job.client), { recursive: true })
    await rename(weights, aside)
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
  })
}
