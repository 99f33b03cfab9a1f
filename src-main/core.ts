// The core both shells drive (the Electron window and the headless server): the home folder,
// the S3 store (the embedded one when no endpoint is configured), the one S3 client, the demo
// clients on first start, and the job service with its run history (which first finishes any model
// commit the app was stopped in, so no job runs while a bucket is mixed). Composed once, closed once.

import { existsSync, readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { S3Client } from '@aws-sdk/client-s3'
import type { HealthResponse } from '../src-shared/http-api'
import type { FleetWorkersResponse } from '../src-shared/fleet-workers'
import { FleetDispatch } from './fleet/fleet-dispatch'
import { checkFleetStore } from './fleet/fleet-store-check'
import { FleetWorker } from './fleet/fleet-worker'
import { credentialOptions, localPaths, type Settings } from './config/settings'
import { JobService } from './jobs/job-service'
import { ModelPredictor } from './jobs/model-predictor'
import { RunHistory } from './jobs/run-history'
import { seedDemoClients } from './jobs/demo-clients'
import { startEmbeddedS3, type EmbeddedS3 } from './storage/embedded-s3'
import { loadStoreCredentials, storeCredentialsFile } from './storage/store-credentials'
import { createS3Client } from './storage/s3-client'

export interface Core {
  settings: Settings
  /** The S3 endpoint in use (the embedded store's URL when it runs). */
  s3Endpoint: string
  s3: S3Client
  jobs: JobService
  /** Tries the clients' stored models (a worker keeps the last few loaded). */
  predictor: ModelPredictor
  version: string
  health(): HealthResponse
  /** The fleet's workers (distributed mode), or none on one machine. */
  workers(): Promise<FleetWorkersResponse>
  /** Interrupts jobs (their workers end), saves the history and stops the embedded store. */
  close(): Promise<void>
}

export interface CoreOptions {
  /** Upload the demo clients on first start (embedded store only). Default true. */
  seedDemo?: boolean
}

export async function startCore(settings: Settings, opts: CoreOptions = {}): Promise<Core> {
  checkFleetStore(settings)
  await mkdir(settings.home, { recursive: true })
  let embedded: EmbeddedS3 | undefined
  const credentialsFile = storeCredentialsFile(settings.home)
  if (settings.s3.embedded)
    embedded = await startEmbeddedS3({
      directory: localPaths(settings.home, '').embeddedS3,
      port: settings.s3.embeddedPort,
      credentials: await loadStoreCredentials(credentialsFile),
    })
  const s3Endpoint =
    embedded?.endpoint ?? settings.s3.endpoint ?? `https://s3.${settings.s3.region}.amazonaws.com`
  const s3 = createS3Client({
    ...((embedded || settings.s3.endpoint) && { endpoint: s3Endpoint }),
    region: settings.s3.region,
    ...(embedded
      ? { credentials: embedded.credentials }
      : credentialOptions(settings.s3.credentials)),
  })

  let jobs: JobService
  const dispatch = settings.fleet && new FleetDispatch(settings.fleet)
  let localWorker: FleetWorker | undefined
  try {
    if (embedded && (opts.seedDemo ?? true)) await seedDemoClients(settings, s3)
    await dispatch?.ready()
    jobs = await JobService.create({
      settings,
      s3,
      history: new RunHistory(localPaths(settings.home, '').runs),
      ...(dispatch && { dispatch }),
    })
    const fleet = settings.fleet
    if (fleet?.localWorker) localWorker = new FleetWorker({ settings: { ...settings, fleet }, s3 })
  } catch (err) {
    await dispatch?.close()
    s3.destroy()
    await embedded?.close()
    throw err
  }

  const predictor = new ModelPredictor({ settings, s3, jobsOf: (client) => jobs.list(client) })
  const version = productVersion()
  let closing: Promise<void> | undefined
  return {
    settings,
    s3Endpoint,
    s3,
    jobs,
    predictor,
    version,
    health: () => ({
      name: 'training-server',
      version,
      backend: jobs.backend,
      s3: {
        endpoint: s3Endpoint,
        embedded: embedded !== undefined,
        region: settings.s3.region,
        ...(embedded && { credentialsFile }),
      },
      bucketPrefix: settings.bucketPrefix,
      home: settings.home,
    }),
    workers: async () => ({
      distributed: dispatch !== undefined,
      workers: dispatch ? await dispatch.workers() : [],
    }),
    close() {
      closing ??= (async () => {
        // The app's own worker stops its job (nothing is uploaded); the fleet's others go on.
        await localWorker?.stop()
        await jobs.close()
        await predictor.close()
        s3.destroy()
        await embedded?.close()
      })()
      return closing
    },
  }
}

/** The version in package.json, found from here upwards (sources, bundled main, packaged app). */
function productVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let depth = 0; depth < 5; depth++) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string }
        if (pkg.name === 'training-server' && pkg.version) return pkg.version
      } catch {
        // Not ours or unreadable: keep looking upwards.
      }
    }
    dir = dirname(dir)
  }
  return '0.0.0'
}
