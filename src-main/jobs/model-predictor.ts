// Trying a client's stored model: checks the image that was sent, finds the model in the client's
// model bucket, keeps a local copy of it current (stored-model-cache.ts) and has the predictor
// worker answer. Calls for one client run in turn, so a newer model never replaces the folder a
// call is still reading; calls for different clients do not wait for each other's downloads.

import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { modelBucketName } from '../../src-shared/client-names'
import { AppFailure, appError, toAppError } from '../../src-shared/errors'
import type { JobSummary } from '../../src-shared/job-events'
import {
  PREDICT_MAX_BYTES,
  PREDICT_MAX_TOP,
  PREDICT_MEDIA_TYPES,
  mediaTypeOf,
  type PredictionResult,
} from '../../src-shared/predictions'
import type { Settings } from '../config/settings'
import { listObjects, type BucketObject } from '../storage/bucket-objects'
import { isStagingKey } from '../storage/publish-folder'
import { PredictorThread } from './predictor-thread'
import { cacheStoredModel, type CachedModel } from './stored-model-cache'
import { checkClientName } from './train-request'

export interface ModelPredictorOptions {
  settings: Settings
  s3: S3Client
  /** The client's jobs, newest first: which run stored the model, when that is known. */
  jobsOf?: (client: string) => JobSummary[]
}

/** Refuses a body that is no image format the model can be fed, before it is read. */
export function checkPredictMediaType(contentType: string): void {
  const type = mediaTypeOf(contentType)
  if (!PREDICT_MEDIA_TYPES.includes(type))
    throw new AppFailure(
      appError(
        'UNSUPPORTED_MEDIA_TYPE',
        `send the image as one of ${PREDICT_MEDIA_TYPES.join(', ')} (got "${type.slice(0, 60)}")`,
        { field: 'content-type' },
      ),
    )
}

/** Refuses an image the route (or the window) should not pass on; the worker decodes the rest. */
export function checkPredictImage(image: Uint8Array, contentType: string): void {
  checkPredictMediaType(contentType)
  if (image.byteLength > PREDICT_MAX_BYTES) throw tooLarge()
  if (image.byteLength === 0)
    throw new AppFailure(appError('IMAGE_UNREADABLE', 'the image is empty'))
}

export function tooLarge(): AppFailure {
  return new AppFailure(
    appError('PAYLOAD_TOO_LARGE', `the image is larger than ${PREDICT_MAX_BYTES} bytes`, {
      details: { maxBytes: PREDICT_MAX_BYTES },
    }),
  )
}

function checkTop(top: number): number {
  if (Number.isInteger(top) && top >= 1 && top <= PREDICT_MAX_TOP) return top
  throw new AppFailure(
    appError('INVALID_PARAMETER', `top must be an integer from 1 to ${PREDICT_MAX_TOP}`, {
      field: 'top',
    }),
  )
}

/** The run that stored the model: the newest one that stored any, unless the model is newer. */
function runIdOf(jobs: JobSummary[], model: CachedModel): string | undefined {
  const stored = jobs.find((job) => job.result?.Storing === 'Succesfull')
  if (!stored) return undefined
  if (model.updatedAt !== undefined && Date.parse(stored.updatedAt) < Date.parse(model.updatedAt))
    return undefined
  return stored.id
}

export class ModelPredictor {
  private readonly thread: PredictorThread
  private readonly turns = new Map<string, Promise<unknown>>()
  private loads = 0

  constructor(private readonly opts: ModelPredictorOptions) {
    const backend = opts.settings.backend
    this.thread = new PredictorThread(backend === undefined ? {} : { backend })
  }

  /** How many times a model was loaded into the worker (a kept model is not loaded again). */
  get modelLoads(): number {
    return this.loads
  }

  async predict(
    client: string,
    image: Uint8Array,
    contentType: string,
    top?: number,
  ): Promise<PredictionResult> {
    const { settings } = this.opts
    checkClientName(client, settings.bucketPrefix)
    checkPredictImage(image, contentType)
    // Without `top`, the model's task picks (5 classes, up to 100 boxes).
    if (top !== undefined) checkTop(top)
    const previous = this.turns.get(client) ?? Promise.resolve()
    const turn = previous.catch(() => undefined).then(() => this.predictNow(client, image, top))
    this.turns.set(client, turn)
    try {
      return await turn
    } finally {
      if (this.turns.get(client) === turn) this.turns.delete(client)
    }
  }

  close(): Promise<void> {
    return this.thread.close()
  }

  private async predictNow(
    client: string,
    image: Uint8Array,
    top: number | undefined,
  ): Promise<PredictionResult> {
    const bucket = modelBucketName(this.opts.settings.bucketPrefix, client)
    const model = await this.cached(client, bucket)
    const answer = await this.thread.predict(model.dir, image, top)
    if (answer.loadedModel) this.loads += 1
    const runId = runIdOf(this.opts.jobsOf?.(client) ?? [], model)
    return {
      model: {
        bucket,
        etag: model.etag,
        ...(model.updatedAt !== undefined && { updatedAt: model.updatedAt }),
        ...(runId !== undefined && { runId }),
      },
      task: answer.task,
      predictions: answer.predictions,
    }
  }

  private async cached(client: string, bucket: string): Promise<CachedModel> {
    const clientDir = join(this.opts.settings.home, 'cache', 'models', client)
    for (let attempt = 1; ; attempt++) {
      const objects = await this.listModel(bucket)
      try {
        return await cacheStoredModel({ s3: this.opts.s3, bucket, objects, clientDir })
      } catch (err) {
        // A new model was stored between the listing and the download: list again, once.
        if (attempt > 1 || toAppError(err).code !== 'MODEL_CHANGED') throw err
      }
    }
  }

  private async listModel(bucket: string): Promise<BucketObject[]> {
    try {
      return (await listObjects(this.opts.s3, bucket)).filter(({ key }) => !isStagingKey(key))
    } catch (err) {
      if (toAppError(err).code === 'BUCKET_NOT_FOUND') return []
      throw err
    }
  }
}
