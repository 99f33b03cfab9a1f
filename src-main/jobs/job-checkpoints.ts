// Where a job's training checkpoint lives (<home>/checkpoints/<job id>/), what the job layer asks
// of it (is there one, which epoch, does the dataset still match), and when it goes: once the
// job's model is stored or the user discards it. Interrupted, failed and killed jobs keep it.

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { AppFailure, appError, type AppError } from '../../src-shared/errors'
import type { ClassInfo, ClassificationItem } from '../../src-shared/validate-annotations'
import { renameDurably } from '../platform/atomic-file'
import {
  CHECKPOINT_MANIFEST,
  parseCheckpointManifest,
  readCheckpointManifest,
  type CheckpointManifest,
} from '../engine/trainer/training-checkpoint'
import type { Job, JobEnding } from './job'
import { JOB_ID_PATTERN } from './run-history'
import type { TrainingRequest } from '../engine/worker/training-protocol'

export function checkpointDir(home: string, jobId: string): string {
  if (!JOB_ID_PATTERN.test(jobId))
    throw new AppFailure(appError('INVALID_JOB_ID', 'not a job id', { field: 'resume' }))
  return join(home, 'checkpoints', jobId)
}

/** The job's checkpoint manifest, read at once (a start request is answered synchronously). */
export function checkpointOf(home: string, jobId: string): CheckpointManifest | undefined {
  try {
    return parseCheckpointManifest(
      readFileSync(join(checkpointDir(home, jobId), CHECKPOINT_MANIFEST), 'utf8'),
    )
  } catch {
    return undefined
  }
}

/** The epoch the job's checkpoint reached, or undefined when it has none. */
export async function checkpointEpoch(home: string, jobId: string): Promise<number | undefined> {
  return (await readCheckpointManifest(checkpointDir(home, jobId)))?.epoch
}

export async function discardCheckpoint(home: string, jobId: string): Promise<void> {
  await rm(checkpointDir(home, jobId), { recursive: true, force: true })
}

/**
 * What identifies the training data: every item's file, label, size and boxes (with their masks),
 * the class names, and the split's parameters (they are in the checkpoint's params). Any change
 * refuses a resume.
 */
export async function datasetFingerprint(
  datasetRoot: string,
  classes: readonly ClassInfo[],
  items: readonly ClassificationItem[],
): Promise<string> {
  const hash = createHash('sha256')
  hash.update(JSON.stringify(classes.map((info) => info.name)))
  const sorted = [...items].sort((a, b) =>
    a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0,
  )
  for (const item of sorted) {
    const size = (await stat(join(datasetRoot, 'images', item.fileName)).catch(() => undefined))
      ?.size
    // A detector's or segmenter's annotations are its labels: a moved box or mask is a change.
    // Items without boxes hash as they always did, so classifiers' checkpoints stay resumable.
    const key = [item.fileName, item.label, size ?? -1]
    hash.update(`${JSON.stringify(item.boxes === undefined ? key : [...key, item.boxes])}\n`)
  }
  return hash.digest('hex')
}

/**
 * The checkpoint part of the worker's request: a model trained from scratch (any task) is
 * checkpointed into the job's own folder; a resumed job first takes over its source's checkpoint (after the
 * dataset was found unchanged), so the checkpoint always belongs to the newest job of the run.
 */
export async function planCheckpoint(
  job: Job,
  home: string,
  fingerprint: string,
): Promise<TrainingRequest['checkpoint']> {
  if (job.params.architecture === 'transfer') return undefined
  const dir = checkpointDir(home, job.id)
  if (job.resumeOf === undefined) return { dir, datasetFingerprint: fingerprint }
  const from = checkpointDir(home, job.resumeOf)
  const manifest = await readCheckpointManifest(from)
  const refuse = (reason: string, message: string) =>
    new AppFailure(
      appError('RESUME_NOT_POSSIBLE', message, { details: { reason, resumeOf: job.resumeOf } }),
    )
  if (!manifest) throw refuse('no-checkpoint', `job ${job.resumeOf} has no checkpoint`)
  if (manifest.datasetFingerprint !== fingerprint)
    throw refuse(
      'dataset-changed',
      `the dataset changed since job ${job.resumeOf} was interrupted; train it afresh`,
    )
  await rm(dir, { recursive: true, force: true })
  await renameDurably(from, dir)
  job.append({
    type: 'log',
    level: 'info',
    message: `resuming job ${job.resumeOf} after epoch ${manifest.epoch} of ${manifest.params.epochs}`,
  })
  return { dir, datasetFingerprint: fingerprint, resumeFrom: dir }
}

/** How a job the app stopped in ends when it left a checkpoint: interrupted and resumable. */
export async function resumableEnding(
  home: string,
  job: Job,
  stopped: AppError,
): Promise<JobEnding | undefined> {
  const epoch = await checkpointEpoch(home, job.id).catch(() => undefined)
  if (epoch === undefined) return undefined
  return {
    state: 'interrupted',
    Training: 'Interrupted',
    Storing: 'Skipped',
    error: stopped,
    checkpointEpoch: epoch,
  }
}
