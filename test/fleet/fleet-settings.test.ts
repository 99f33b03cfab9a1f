// Distributed mode's settings: off unless a Redis URL is given (env over settings.json), checked
// like every other setting, kept by a save from the settings screen, and refused at start with
// the embedded store, which no other machine can reach.

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../src-shared/app-settings'
import { AppFailure } from '../../src-shared/errors'
import { checkSettingsDocument } from '../../src-shared/settings-checks'
import { loadSettings } from '../../src-main/config/settings'
import { documentFrom } from '../../src-main/config/settings-document'
import { startCore } from '../../src-main/core'
import { checkFleetStore } from '../../src-main/fleet/fleet-store-check'

const homes: string[] = []
afterEach(async () => {
  for (const home of homes.splice(0)) await rm(home, { recursive: true, force: true })
})

async function home(settings?: object): Promise<string> {
  const dir = await mkdtemp(join(process.env.TRAINING_SERVER_HOME ?? '/tmp', 'fleet-settings-'))
  homes.push(dir)
  if (settings) await writeFile(join(dir, 'settings.json'), JSON.stringify(settings))
  return dir
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (err) {
    if (err instanceof AppFailure) return err.error.code
    throw err
  }
  return undefined
}

describe('fleet settings', () => {
  it('leaves the in-process queue alone without a Redis URL', async () => {
    expect(loadSettings({ TRAINING_SERVER_HOME: await home() }).fleet).toBeUndefined()
  })

  it('turns distributed mode on from TRAINING_SERVER_REDIS_URL, with safe defaults', async () => {
    const settings = loadSettings({
      TRAINING_SERVER_HOME: await home(),
      TRAINING_SERVER_REDIS_URL: 'redis://10.0.0.5:6379',
    })
    expect(settings.fleet).toEqual({
      redisUrl: 'redis://10.0.0.5:6379',
      localWorker: false,
      lostRetries: 0,
      lockMs: 30_000,
    })
  })

  it('reads settings.json, the environment winning', async () => {
    const dir = await home({
      redisUrl: 'redis://file-host:6379',
      fleetLocalWorker: true,
      workerLostRetries: 2,
      workerLockMs: 5000,
    })
    expect(loadSettings({ TRAINING_SERVER_HOME: dir }).fleet).toEqual({
      redisUrl: 'redis://file-host:6379',
      localWorker: true,
      lostRetries: 2,
      lockMs: 5000,
    })
    const env = loadSettings({
      TRAINING_SERVER_HOME: dir,
      TRAINING_SERVER_REDIS_URL: 'redis://env-host:6379',
      TRAINING_SERVER_FLEET_LOCAL_WORKER: '0',
    })
    expect(env.fleet).toMatchObject({ redisUrl: 'redis://env-host:6379', localWorker: false })
  })

  it('refuses what is not a Redis URL or a lock outside its range', async () => {
    const dir = await home()
    expect(
      codeOf(() =>
        loadSettings({ TRAINING_SERVER_HOME: dir, TRAINING_SERVER_REDIS_URL: 'http://x:6379' }),
      ),
    ).toBe('INVALID_SETTING')
    expect(checkSettingsDocument({ workerLockMs: 10 })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_SETTING', field: 'workerLockMs' },
    })
    expect(
      checkSettingsDocument({ redisUrl: 'redis://h:1', fleetLocalWorker: true }),
    ).toMatchObject({ ok: true })
  })

  it('keeps the fleet fields when the settings screen saves', () => {
    const saved = documentFrom(DEFAULT_SETTINGS, undefined, {
      redisUrl: 'redis://h:6379',
      workerLockMs: 4000,
    })
    expect(saved).toMatchObject({ redisUrl: 'redis://h:6379', workerLockMs: 4000 })
  })

  it('refuses distributed mode with the embedded store, before anything starts', async () => {
    const settings = loadSettings({
      TRAINING_SERVER_HOME: await home(),
      TRAINING_SERVER_REDIS_URL: 'redis://127.0.0.1:1',
    })
    expect(settings.s3.embedded).toBe(true)
    expect(codeOf(() => checkFleetStore(settings))).toBe('FLEET_STORE_NOT_SHARED')
    await expect(startCore(settings)).rejects.toMatchObject({
      error: { code: 'FLEET_STORE_NOT_SHARED' },
    })
    const shared = loadSettings({
      TRAINING_SERVER_HOME: await home(),
      TRAINING_SERVER_REDIS_URL: 'redis://127.0.0.1:1',
      AWS_ENDPOINT_URL: 'http://minio.internal:9000',
    })
    expect(codeOf(() => checkFleetStore(shared))).toBeUndefined()
  })
})
