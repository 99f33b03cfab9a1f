// Before a transfer job syncs its bucket, the backbone it names is found (a URL downloaded into
// the cache the worker then reads), and its files are checked without building the model: a
// missing path or a broken file fails the job before anything is synced or decoded.

import type { Settings } from '../config/settings'
import { relabelled } from '../engine/backbone/backbone-files'
import { checkBackbone } from '../engine/backbone/backbone-source'
import type { Job } from './job'
import { backboneLocation } from '../engine/worker/transfer-training'

/** The download limits a backbone URL is held to, wherever it is fetched. */
export function backboneLimits(settings: Settings): { maxBytes: number; timeoutMs: number } {
  return {
    maxBytes: settings.limits.backboneMaxBytes,
    timeoutMs: settings.limits.backboneTimeoutMs,
  }
}

/** Nothing to do for jobs without a backbone; otherwise fails (throws) as loading it would. */
export async function prepareBackbone(job: Job, settings: Settings): Promise<void> {
  const spec = job.params.backbone
  if (job.params.architecture !== 'transfer' || spec === undefined) return
  job.append({ type: 'log', level: 'info', message: `checking backbone ${spec}` })
  const location = backboneLocation(spec, settings.home)
  await checkBackbone(location, {
    home: settings.home,
    signal: job.controller.signal,
    ...backboneLimits(settings),
    // The job is not syncing yet; its download is shown as the bytes the first stage waits for.
    onProgress: ({ done, total }) =>
      job.append({
        type: 'progress',
        stage: 'syncing',
        unit: 'bytes',
        done,
        total: total ?? done,
      }),
  }).catch((error: unknown) => {
    throw relabelled(error, location, spec)
  })
}
