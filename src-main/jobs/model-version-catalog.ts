// What the UI lists and does about a client's model versions: every run's set kept in its model
// bucket with its metrics and whether it is the promoted one (the root metrics.json names its
// run), and promoting any of them back to the root keys.

import type { S3Client } from '@aws-sdk/client-s3'
import { modelBucketName } from '../../src-shared/client-names'
import type { ModelVersion } from '../../src-shared/model-versions'
import { localPaths, type Settings } from '../config/settings'
import {
  deleteVersion,
  listBucketVersions,
  promoteStoredVersion,
  readJsonObject,
  type StoredVersion,
} from '../storage/model-versions'
import type { StoredMetrics } from './promotion-policy'
import { MODEL_FILES } from '../engine/worker/training-protocol'

function asMetrics(value: unknown): StoredMetrics | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as StoredMetrics)
    : undefined
}

/** The run's score as the versions list shows it; undefined when metrics.json has none. */
function scoreOf(
  metrics: StoredMetrics,
):
  | Pick<NonNullable<ModelVersion['metrics']>, 'task' | 'finalValAccuracy' | 'finalValMap50'>
  | undefined {
  if (metrics.task === 'obj_detection') {
    const map50 = metrics.coco?.stats?.ap50 ?? metrics.finalValMap50
    return typeof map50 === 'number' ? { task: metrics.task, finalValMap50: map50 } : undefined
  }
  if (metrics.task === 'instance_segmentation') {
    const map50 = metrics.maskCoco?.stats?.ap50 ?? metrics.finalValMaskMap50
    return typeof map50 === 'number' ? { task: metrics.task, finalValMap50: map50 } : undefined
  }
  return typeof metrics.finalValAccuracy === 'number'
    ? { finalValAccuracy: metrics.finalValAccuracy }
    : undefined
}

function describeVersion(
  version: StoredVersion,
  metrics: StoredMetrics | undefined,
  promotedJob: string | undefined,
): ModelVersion {
  const model = version.files.find((f) => f.key === version.prefix + MODEL_FILES.keras)
  return {
    jobId: version.jobId,
    prefix: version.prefix,
    ...(model?.lastModified !== undefined && { storedAt: model.lastModified }),
    promoted: version.jobId === promotedJob,
    files: version.files.map(({ key, bytes }) => ({ key, bytes })),
    ...(metrics &&
      scoreOf(metrics) !== undefined && {
        metrics: {
          ...scoreOf(metrics),
          finalValLoss: metrics.finalValLoss ?? NaN,
          trainImages: metrics.trainImages ?? 0,
          valImages: metrics.valImages ?? 0,
          epochs: metrics.epochs?.length ?? 0,
          ...(metrics.bestEpoch !== undefined && { bestEpoch: metrics.bestEpoch }),
          ...(metrics.validationSet !== undefined && { validationSet: metrics.validationSet }),
        },
      }),
  }
}

/** The client's versions, newest first (job ids sort by time). */
export async function listModelVersions(
  settings: Settings,
  s3: S3Client,
  client: string,
): Promise<ModelVersion[]> {
  const bucket = modelBucketName(settings.bucketPrefix, client)
  const { root, versions } = await listBucketVersions(s3, bucket)
  const rootMetrics = root.some((o) => o.key === MODEL_FILES.metrics)
    ? asMetrics(await readJsonObject(s3, bucket, MODEL_FILES.metrics))
    : undefined
  const promotedJob = root.some((o) => o.key === MODEL_FILES.keras) ? rootMetrics?.jobId : undefined
  const described = await Promise.all(
    versions.map(async (version) =>
      describeVersion(
        version,
        asMetrics(await readJsonObject(s3, bucket, version.prefix + MODEL_FILES.metrics)),
        promotedJob,
      ),
    ),
  )
  return described.sort((a, b) => (a.jobId < b.jobId ? 1 : a.jobId > b.jobId ? -1 : 0))
}

/**
 * Deletes the oldest versions beyond the newest `keep` (job ids sort by time); the promoted one is
 * never deleted, whatever its age. Answers the job ids deleted.
 */
export async function pruneModelVersions(
  s3: S3Client,
  bucket: string,
  keep: number,
): Promise<string[]> {
  const { root, versions } = await listBucketVersions(s3, bucket)
  if (keep <= 0 || versions.length <= keep) return []
  const promoted = root.some((o) => o.key === MODEL_FILES.metrics)
    ? asMetrics(await readJsonObject(s3, bucket, MODEL_FILES.metrics))?.jobId
    : undefined
  const newestFirst = [...versions].sort((a, b) => (a.jobId < b.jobId ? 1 : -1))
  const dropped = newestFirst.slice(keep).filter((v) => v.jobId !== promoted)
  for (const version of dropped) await deleteVersion(s3, bucket, version)
  return dropped.map((v) => v.jobId)
}

/** Makes the version the client's stored model; answers the versions as they are then. */
export async function promoteModelVersion(
  settings: Settings,
  s3: S3Client,
  client: string,
  jobId: string,
): Promise<ModelVersion[]> {
  await promoteStoredVersion({
    s3,
    bucket: modelBucketName(settings.bucketPrefix, client),
    jobId,
    journalDir: localPaths(settings.home, client).commits,
  })
  return listModelVersions(settings, s3, client)
}
