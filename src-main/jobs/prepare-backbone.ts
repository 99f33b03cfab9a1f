// Before a transfer job syncs its bucket, the backbone it names is found (a URL or a preset's URL
// downloaded into the cache the worker then reads), and its files are checked without building the
// model: a missing path or a broken file fails the job before anything is synced or decoded.
//
// A preset that cannot be downloaded because its host cannot be reached at all (no HTTP answer:
// offline, DNS, a firewall, a stalled connection) does not fail the job: it trains from scratch
// with its task's default architecture, with a warning in the log and `backboneFallback` in the
// result.
// A preset asks for "a good start", which scratch training still gives; an explicit URL or path
// names one file, so failing to get it fails the job as before. An HTTP error (the host answered)
// also fails: that is a wrong or moved URL, not a missing network.

import { backbonePreset } from '../../src-shared/backbone-presets'
import { AppFailure, appError } from '../../src-shared/errors'
import { paramRulesOf } from '../../src-shared/tasks/task-params'
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

/** A download that got no HTTP answer: the network (or the host) is out of reach. */
function unreachable(error: unknown): error is AppFailure {
  return (
    error instanceof AppFailure &&
    error.error.code === 'BACKBONE_DOWNLOAD_FAILED' &&
    error.error.details?.status === undefined
  )
}

/** Nothing to do for jobs without a backbone; otherwise fails (throws) as loading it would. */
export async function prepareBackbone(job: Job, settings: Settings): Promise<void> {
  const spec = job.params.backbone
  if (job.params.architecture !== 'transfer' || spec === undefined) return
  const preset = backbonePreset(spec)
  const location = backboneLocation(spec, settings.home, settings.backbonePresetBase)
  job.append({
    type: 'log',
    level: 'info',
    message:
      preset === undefined
        ? `checking backbone ${spec}`
        : `checking backbone ${spec} (${location})`,
  })
  try {
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
    })
  } catch (error) {
    if (preset === undefined || !unreachable(error) || job.controller.signal.aborted)
      throw relabelled(error, location, spec)
    // The task's own from-scratch network: a detector falls back to a detector.
    const architecture = paramRulesOf(job.trainType).defaults.architecture
    const offline = appError(
      'BACKBONE_OFFLINE',
      `backbone ${spec} could not be downloaded (${error.error.message}); training ${architecture} from scratch instead`,
      { field: 'backbone', details: { backbone: spec, url: location, cause: error.error.details } },
    )
    job.append({ type: 'log', level: 'warn', message: `${offline.code}: ${offline.message}` })
    job.trainWithoutBackbone({ backbone: spec, error: offline, architecture })
  }
}
