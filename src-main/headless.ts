// `npm run serve`: the core and the embedded endpoint without a window. Works with no
// configuration at all (embedded S3, demo clients, port 8000); stops cleanly on Ctrl+C.

import { AppFailure } from '../src-shared/errors'
import { loadSettings } from './config/settings'
import { startCore, type Core } from './core'
import { startHttpServer, type HttpServer } from './http/server'

async function main(): Promise<void> {
  let core: Core | undefined
  let http: HttpServer | undefined
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`${signal}: stopping…`)
    await http?.close()
    await core?.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))

  try {
    const settings = loadSettings()
    core = await startCore(settings)
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
