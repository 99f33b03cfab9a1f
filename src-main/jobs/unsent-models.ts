// Models set aside in <home>/unsent-models/<client>/before-<job id>/: a weights folder that still
// held a model when a new job started (its upload was never confirmed) is moved here rather than
// deleted. A folder goes once a newer model has reached the client's bucket (its own upload or a
// later one), or once it is older than unsentModelMaxAgeDays while a newer model of the client is
// on disk. The only copy of the client's newest unsent model is never deleted.

import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { JobSummary } from '../../src-shared/job-events'
import { renameDurably } from '../platform/atomic-file'

const UNSENT_DIR = 'unsent-models'
const MODEL_FILE = 'model.h5'
const DAY_MS = 24 * 60 * 60 * 1000

export function unsentModelsDir(home: string, client: string): string {
  return join(home, UNSENT_DIR, client)
}

/** Moves the weights folder aside for the job about to write a new one; answers where it went. */
export async function setModelAside(
  home: string,
  client: string,
  jobId: string,
  weights: string,
): Promise<string> {
  const aside = join(unsentModelsDir(home, client), `before-${jobId}`)
  await mkdir(unsentModelsDir(home, client), { recursive: true })
  await renameDurably(weights, aside)
  return aside
}

/** When the model in `folder` was written, or undefined when there is none. */
async function modelTime(folder: string): Promise<number | undefined> {
  const info = await stat(join(folder, MODEL_FILE)).catch(() => undefined)
  return info?.isFile() ? info.mtimeMs : undefined
}

export interface UnsentModelPolicy {
  home: string
  client: string
  /** The client's jobs (any order). */
  jobs: readonly JobSummary[]
  /** The weights folder, whose model (if any) is newer than every set-aside one. */
  weights: string
  maxAgeDays: number
  now?: number
}

/** Deletes the client's set-aside folders that the rule above lets go; answers their names. */
export async function pruneUnsentModels(policy: UnsentModelPolicy): Promise<string[]> {
  const dir = unsentModelsDir(policy.home, policy.client)
  const names = await readdir(dir).catch(() => [] as string[])
  const folders: { name: string; time: number | undefined }[] = []
  for (const name of names) {
    if (!name.startsWith('before-')) continue
    folders.push({ name, time: await modelTime(join(dir, name)) })
  }
  if (folders.length === 0) return []
  const stored = policy.jobs
    .filter((job) => job.client === policy.client && job.result?.Storing === 'Succesfull')
    .map((job) => Date.parse(job.createdAt))
  const lastStored = Math.max(-Infinity, ...stored)
  const weightsTime = await modelTime(policy.weights)
  const known = folders.flatMap((folder) => (folder.time === undefined ? [] : [folder.time]))
  const newestOnDisk = Math.max(-Infinity, weightsTime ?? -Infinity, ...known)
  const now = policy.now ?? Date.now()
  const removed: string[] = []
  for (const folder of folders) {
    const { time } = folder
    // A folder without a model holds nothing to send.
    const empty = time === undefined
    // A job started after this model was written stored its own: the bucket has a newer model.
    const superseded = time !== undefined && lastStored > time
    const old = time !== undefined && now - time > policy.maxAgeDays * DAY_MS
    const newerOnDisk = time !== undefined && newestOnDisk > time
    if (empty || superseded || (old && newerOnDisk)) {
      await rm(join(dir, folder.name), { recursive: true, force: true })
      removed.push(folder.name)
    }
  }
  if (removed.length === folders.length) await rm(dir, { recursive: true, force: true })
  return removed
}
