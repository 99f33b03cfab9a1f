// Bringing one client's dataset local without training: mirror its bucket into
// <home>/train_data/<client>, validate it (the report is kept beside the mirror), and describe it
// for the UI.

import type { S3Client } from '@aws-sdk/client-s3'
import type { AnnotationReport } from '../../src-shared/annotation-report'
import { datasetBucketName } from '../../src-shared/client-names'
import type { DatasetView } from '../../src-shared/dataset-view'
import type { SyncProgress } from '../../src-shared/sync-progress'
import type { TrainType } from '../../src-shared/train-params'
import { localPaths, type Settings } from '../config/settings'
import { describeDataset } from '../dataset/describe-dataset'
import { loadDataset } from '../dataset/load-dataset'
import { mirrorBucket } from '../storage/mirror-bucket'
import { readManifest } from '../storage/mirror-manifest'
import type { SkippedImages } from './skipped-images'
import { loadValidationReport, saveValidationReport } from './validation-report-file'

export async function syncDataset(
  settings: Settings,
  s3: S3Client,
  client: string,
  signal?: AbortSignal,
  onProgress?: (progress: SyncProgress) => void,
  trainType: TrainType = 'classification',
): Promise<DatasetView> {
  const root = localPaths(settings.home, client).dataset
  await mirrorBucket({
    s3,
    bucket: datasetBucketName(settings.bucketPrefix, client),
    dest: root,
    signal,
    onProgress: onProgress && ((p) => onProgress({ client, stage: 'syncing', ...p })),
  })
  onProgress?.({ client, stage: 'validating' })
  // Judged as a job would judge it, so the view and the next job agree on skipped images.
  const { report } = await loadDataset(root, {
    trainType,
    maxBadImageRate: settings.maxBadImageRate,
  })
  await saveValidationReport(root, report)
  return describeLocalDataset(settings, client, { report })
}

export interface LocalDatasetFacts {
  /** The report to show; without it, the one kept beside the unchanged mirror, else `fallback`. */
  report?: AnnotationReport
  fallbackReport?: AnnotationReport
  /** What the last training run left out. */
  skipped?: SkippedImages
}

export async function describeLocalDataset(
  settings: Settings,
  client: string,
  { report, fallbackReport, skipped }: LocalDatasetFacts = {},
): Promise<DatasetView> {
  const root = localPaths(settings.home, client).dataset
  const manifest = await readManifest(root)
  const kept = report ?? (await loadValidationReport(root, manifest)) ?? fallbackReport
  const mirroredAt = manifest?.complete ? manifest.completedAt : undefined
  return describeDataset(client, root, kept, {
    ...(mirroredAt !== undefined && { mirroredAt }),
    ...(skipped !== undefined && { skipped }),
  })
}
