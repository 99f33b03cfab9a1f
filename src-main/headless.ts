// `npm run serve`: the core and the embedded endpoint without a window. Works with no
// configuration at all (embedded S3, demo clients, port 8000); stops cleanly on Ctrl+C or SIGTERM
// (a second one stops at once). Prints one line per job start, stage and end.

import './platform/sdk-notices'
import { AppFailure } from '../src-shared/errors'
import { loadSettings } from './config/settings'
import { startCore, type Core } from './core'
import { startHttpServer, type HttpServer } from './http/server'
import { reportJobActivity } from './jobs/job-activity'
import { watchParent } from './platform/parent-watch'

async function main(): Promise<void> {
  let core: Core | undefined
  let http: HttpServer | undefined
  let stopping = false
  const stop = async (reason: string) => {
    if (stopping) return
    stopping = true
    console.log(`${reason}: stopping…`)
    await http?.close()
    await core?.close()
    process.exit(0)
  }
  // A second Ctrl+C does not wait for running jobs to wind down.
  const onSignal = (signal: NodeJS.Signals) => (stopping ? process.exit(1) : void stop(signal))
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // Started by `npm run serve`, the server lives as long as that npm: a SIGTERM to npm reaches
  // only the shell between them.
  if (process.env.npm_lifecycle_event === 'serve')
    watchParent(() => void stop('npm run serve ended'))

  try {
    const settings = loadSettings()
    core = await startCore(settings)
    reportJobActivity(core.jobs, (line) => console.log(line))
    http = await startHttpServer(core)
    const health = core.health()
    const s3 = health.s3.embedded
      ? `embedded S3 at ${core.s3Endpoint} (its access key and secret are in ${health.s3.credentialsFile})`
      : `S3 at ${core.s3Endpoint}`
    console.log(
      `Training Server ${health.version} listening on ${http.url} — ${s3}; data in ${settings.home}. ` +
        `Try ${http.url}/progress?train_type=classification&bucket_name=client0`,
    )
    if (settings.accessToken)
      console.log(
        `An access token is set: scripts send "Authorization: Bearer <token>"; in a browser, open ` +
          `${http.url}/?token=<token> once.`,
      )
  } catch (err) {
    await http?.close()
    await core?.close()
    if (err instanceof AppFailure) {
      console.error(`error ${err.error.code}: ${err.error.message}`)
      process.exit(1)
    }
    throw err
  }
}

void main()
