// `npm run worker`: a headless fleet worker (no HTTP, no UI). It needs TRAINING_SERVER_REDIS_URL
// and an S3 store every worker reaches; it takes jobs from BullMQ one at a time and stops cleanly
// on SIGTERM or Ctrl+C: it takes no new job and finishes the one under way (a second signal
// interrupts that job, which then uploads nothing, and its lock is released).

import './platform/sdk-notices'
import { AppFailure, appError } from '../src-shared/errors'
import { credentialOptions, loadSettings } from './config/settings'
import { checkFleetStore } from './fleet/fleet-store-check'
import { FleetWorker } from './fleet/fleet-worker'
import { watchParent } from './platform/parent-watch'
import { createS3Client } from './storage/s3-client'

async function main(): Promise<void> {
  let worker: FleetWorker | undefined
  let stopping = false
  const stop = async (reason: string, interrupt: boolean) => {
    console.log(`${reason}: ${interrupt ? 'interrupting the job under way' : 'stopping…'}`)
    await (interrupt ? worker?.stop() : worker?.close())
    process.exit(0)
  }
  const onSignal = (signal: NodeJS.Signals) => {
    const again = stopping
    stopping = true
    void stop(signal, again)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  if (process.env.npm_lifecycle_event === 'worker')
    watchParent(() => void stop('npm run worker ended', true))

  try {
    const settings = loadSettings()
    const fleet = settings.fleet
    if (!fleet)
      throw new AppFailure(
        appError('INVALID_SETTING', 'a fleet worker needs TRAINING_SERVER_REDIS_URL', {
          field: 'TRAINING_SERVER_REDIS_URL',
        }),
      )
    checkFleetStore(settings)
    const s3 = createS3Client({
      ...(settings.s3.endpoint && { endpoint: settings.s3.endpoint }),
      region: settings.s3.region,
      ...credentialOptions(settings.s3.credentials),
    })
    worker = new FleetWorker({
      settings: { ...settings, fleet },
      s3,
      onLine: (line) => console.log(line),
    })
    console.log(`fleet worker ${worker.id} waiting for jobs; data in ${settings.home}`)
  } catch (err) {
    if (err instanceof AppFailure) {
      console.error(`error ${err.error.code}: ${err.error.message}`)
      process.exit(1)
    }
    throw err
  }
}

void main()
