// Resource limits: defaults, settings.json over them, their variables over the file, refusals
// naming the field, and a save from the settings screen that keeps them.

import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_RESOURCE_LIMITS, DEFAULT_SETTINGS } from '../../src-shared/app-settings'
import { AppFailure, type AppError } from '../../src-shared/errors'
import { checkSettingsDocument } from '../../src-shared/settings-checks'
import { loadSettings, resourceLimitVariable } from '../../src-main/config/settings'
import { documentFrom } from '../../src-main/config/settings-document'
import { settingsFilePath } from '../../src-main/config/settings-file'

let home: string
beforeEach(async () => {
  home = await mkdtemp(join(process.env.TRAINING_SERVER_HOME ?? '', 'limits-'))
})
afterEach(async () => {
  await rm(home, { recursive: true, force: true })
})

function failureOf(run: () => unknown): AppError | undefined {
  try {
    run()
  } catch (thrown) {
    if (thrown instanceof AppFailure) return thrown.error
    throw thrown
  }
  return undefined
}

describe('resource limits', () => {
  it('default to bounded values', () => {
    const { limits } = loadSettings({ TRAINING_SERVER_HOME: home })
    expect(limits).toEqual(DEFAULT_RESOURCE_LIMITS)
    expect(limits.runRetention).toBe(200)
    expect(limits.pixelCacheMaxBytes).toBe(2 * 1024 ** 3)
    expect(limits.embeddingCacheMaxBytes).toBe(1024 ** 3)
  })

  it('come from settings.json, and their variables win over it', async () => {
    await writeFile(
      settingsFilePath(home),
      JSON.stringify({ runRetention: 5, pixelCacheMaxBytes: 1000 }),
    )
    expect(resourceLimitVariable('pixelCacheMaxBytes')).toBe(
      'TRAINING_SERVER_PIXEL_CACHE_MAX_BYTES',
    )
    const { limits } = loadSettings({
      TRAINING_SERVER_HOME: home,
      TRAINING_SERVER_PIXEL_CACHE_MAX_BYTES: '2000',
    })
    expect(limits).toMatchObject({ runRetention: 5, pixelCacheMaxBytes: 2000 })
  })

  it('are refused when out of range, naming the field', () => {
    const result = checkSettingsDocument({ runRetention: 0 })
    expect(result.ok).toBe(false)
    if (!result.ok)
      expect(result.error).toMatchObject({ code: 'INVALID_SETTING', field: 'runRetention' })
    expect(
      failureOf(() =>
        loadSettings({ TRAINING_SERVER_HOME: home, TRAINING_SERVER_RUN_RETENTION: '-1' }),
      ),
    ).toMatchObject({ code: 'INVALID_SETTING', field: 'TRAINING_SERVER_RUN_RETENTION' })
  })

  it('survive a save from the settings screen', () => {
    const saved = documentFrom({ ...DEFAULT_SETTINGS }, undefined, { runRetention: 7 })
    expect(saved.runRetention).toBe(7)
  })
})
