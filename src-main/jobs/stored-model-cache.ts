// The local copy of a client's stored model that the predictor loads: the TF.js files and
// labels.json, downloaded from the model bucket into <home>/cache/models/<client>/<version>/. The
// version is a hash of those objects' ETags, so a newly stored model gets a folder of its own and
// an unchanged one is never downloaded twice; older versions of the client are removed.

import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { AppFailure, appError } from '../../src-shared/errors'
import type { BucketObject } from '../storage/bucket-objects'
import { readObject } from '../storage/model-objects'
import { MODEL_FILES } from '../engine/worker/training-protocol'

export interface CachedModel {
  dir: string
  /** ETag of model.json: which stored model this is. */
  etag: string
  updatedAt?: string
}

/** The objects the predictor needs: model.json, its weight files at the root, and labels.json. */
function predictorObjects(objects: readonly BucketObject[]): BucketObject[] | undefined {
  const byKey = new Map(objects.map((o) => [o.key, o]))
  const modelJson = byKey.get(MODEL_FILES.tfjsModel)
  const labels = byKey.get(MODEL_FILES.labels)
  if (!modelJson || !labels) return undefined
  const weights = objects.filter((o) => !o.key.includes('/') && o.key.endsWith('.bin'))
  return [modelJson, labels, ...weights]
}

function versionOf(objects: readonly BucketObject[]): string {
  const hash = createHash('sha256')
  for (const o of [...objects].sort((a, b) => a.key.localeCompare(b.key)))
    hash.update(`${o.key}\0${o.etag}\0`)
  return hash.digest('hex').slice(0, 24)
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/**
 * The cached folder of the model `objects` (the bucket's listing) describe, downloading it when
 * this version is not cached yet. NO_MODEL when the listing holds no TF.js model with labels.
 */
export async function cacheStoredModel(opts: {
  s3: S3Client
  bucket: string
  objects: readonly BucketObject[]
  /** The client's own folder under the models cache. */
  clientDir: string
}): Promise<CachedModel> {
  const { s3, bucket, clientDir } = opts
  const needed = predictorObjects(opts.objects)
  if (!needed)
    throw new AppFailure(
      appError('NO_MODEL', `${bucket} holds no stored model yet: train one first`, {
        details: { bucket },
      }),
    )
  const modelJson = needed[0] as BucketObject
  const version = versionOf(needed)
  const dir = join(clientDir, version)
  const cached: CachedModel = {
    dir,
    etag: modelJson.etag,
    ...(modelJson.lastModified !== undefined && { updatedAt: modelJson.lastModified }),
  }
  if (await exists(join(dir, MODEL_FILES.tfjsModel))) return cached

  await mkdir(clientDir, { recursive: true })
  // Filled under a temporary name and renamed whole: a folder with this version's name is always
  // complete, even after a crash mid-download.
  const partial = join(clientDir, `.partial-${randomBytes(6).toString('hex')}`)
  try {
    await mkdir(partial)
    for (const object of needed)
      await writeFile(
        join(partial, object.key),
        await readObject(s3, bucket, object.key, object.etag),
      )
    await rename(partial, dir).catch(async (err: unknown) => {
      // Another download of the same version finished first: its copy is as good as this one.
      if (!(await exists(join(dir, MODEL_FILES.tfjsModel)))) throw err
    })
  } finally {
    await rm(partial, { recursive: true, force: true })
  }
  for (const entry of await readdir(clientDir))
    if (entry !== version && !entry.startsWith('.partial-'))
      await rm(join(clientDir, entry), { recursive: true, force: true })
  return cached
}
