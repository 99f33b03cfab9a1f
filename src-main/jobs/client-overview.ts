// What the client list says about each client beyond its last job, from cheap sources only: the
// dataset's counts from the local mirror's record and the kept validation report (no image is
// read), and the promoted model at the model bucket's root with the metrics stored beside it.

import type { S3Client } from '@aws-sdk/client-s3'
import type { ClientSummary, StoredModelSummary } from '../../src-shared/http-api'
import type { JobSummary } from '../../src-shared/job-events'
import { modelBucketName } from '../../src-shared/client-names'
import { localPaths, type Settings } from '../config/settings'
import { listObjects } from '../storage/bucket-objects'
import { readManifest } from '../storage/mirror-manifest'
import { readObject } from '../storage/model-objects'
import { isStagingKey } from '../storage/publish-folder'
import { MODEL_FILES } from '../engine/worker/training-protocol'
import type { StoredMetrics } from './promotion-policy'
import { loadValidationReport } from './validation-report-file'

/** Counts of the client's mirrored dataset; undefined before its first finished sync. */
export async function datasetCounts(
  settings: Settings,
  client: string,
  lastJob?: JobSummary,
): Promise<ClientSummary['dataset']> {
  const root = localPaths(settings.home, client).dataset
  const manifest = await readManifest(root)
  if (!manifest?.complete) return undefined
  const report = await loadValidationReport(root, manifest)
  let images = 0
  for (const key of manifest.files.keys()) if (key.startsWith('images/')) images++
  const skipped = Math.max(
    report?.stats.unreadableImages ?? 0,
    lastJob?.result?.skippedImageCount ?? 0,
  )
  return {
    images,
    ...(report && { classes: report.stats.categories }),
    skippedImages: skipped,
    empty: manifest.files.size === 0,
  }
}

/**
 * The model at the root of the model bucket (versions kept under prefixes are not it), and the
 * run that stored it: of the runs whose storing succeeded, the first to end after the file was
 * written (a later run may have stored a version without promoting it).
 */
export async function storedModel(
  s3: S3Client,
  bucket: string,
  jobs: JobSummary[],
): Promise<StoredModelSummary | undefined> {
  let objects
  try {
    objects = await listObjects(s3, bucket)
  } catch {
    // No bucket (or none reachable) means no stored model to show; the list itself still loads.
    return undefined
  }
  const root = objects.filter(({ key }) => !key.includes('/') && !isStagingKey(key))
  const model = root.find(({ key }) => key === MODEL_FILES.keras)
  if (!model) return undefined
  const summary: StoredModelSummary = { files: root.length }
  if (model.lastModified) summary.storedAt = model.lastModified
  if (root.some(({ key }) => key === MODEL_FILES.metrics)) {
    try {
      const metrics = JSON.parse(
        Buffer.from(await readObject(s3, bucket, MODEL_FILES.metrics)).toString('utf8'),
      ) as StoredMetrics
      if (metrics.task === 'obj_detection') {
        const map50 = metrics.coco?.stats?.ap50 ?? metrics.finalValMap50
        if (typeof map50 === 'number') summary.valMap50 = map50
      } else if (metrics.task === 'instance_segmentation') {
        const map50 = metrics.maskCoco?.stats?.ap50 ?? metrics.finalValMaskMap50
        if (typeof map50 === 'number') summary.valMap50 = map50
      } else if (typeof metrics.finalValAccuracy === 'number')
        summary.valAccuracy = metrics.finalValAccuracy
      if (Array.isArray(metrics.classes)) summary.classes = metrics.classes.map(String)
    } catch {
      // An unreadable metrics file leaves the model listed without its metrics.
    }
  }
  const storedAt = summary.storedAt ? Date.parse(summary.storedAt) : undefined
  let storer: JobSummary | undefined
  for (const job of jobs) {
    if (job.result?.Storing !== 'Succesfull') continue
    // S3 keeps whole seconds: the run ends after its last file is written.
    if (storedAt !== undefined && Date.parse(job.updatedAt) < storedAt - 1000) continue
    if (!storer || job.updatedAt < storer.updatedAt) storer = job
  }
  if (storer) summary.jobId = storer.id
  return summary
}

/** The row with its dataset counts and stored model; `jobs` newest first, of every client. */
export async function withOverview(
  settings: Settings,
  s3: S3Client,
  row: ClientSummary,
  jobs: JobSummary[],
): Promise<ClientSummary> {
  const own = jobs.filter((job) => job.client === row.client)
  const [dataset, stored] = await Promise.all([
    datasetCounts(settings, row.client, own[0]),
    storedModel(s3, modelBucketName(settings.bucketPrefix, row.client), own),
  ])
  return { ...row, ...(dataset && { dataset }), ...(stored && { storedModel: stored }) }
}
