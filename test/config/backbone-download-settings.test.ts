// TRAINING_SERVER_BACKBONE_MAX_BYTES and TRAINING_SERVER_BACKBONE_TIMEOUT_MS: defaults, accepted
// values and refusals naming the variable.

import { describe, expect, it } from 'vitest'
import { loadSettings } from '../../src-main/config/settings'

const home = { TRAINING_SERVER_HOME: process.env.TRAINING_SERVER_HOME ?? '' }

describe('backbone download limits', () => {
  it('default to 200 MiB and 10 minutes', () => {
    const settings = loadSettings(home)
    expect(settings.limits.backboneMaxBytes).toBe(200 * 1024 * 1024)
    expect(settings.limits.backboneTimeoutMs).toBe(600_000)
  })

  it('take whole numbers from the environment', () => {
    const settings = loadSettings({
      ...home,
      TRAINING_SERVER_BACKBONE_MAX_BYTES: '5000000',
      TRAINING_SERVER_BACKBONE_TIMEOUT_MS: ' 30000 ',
    })
    expect(settings.limits.backboneMaxBytes).toBe(5_000_000)
    expect(settings.limits.backboneTimeoutMs).toBe(30_000)
  })

  it('refuse anything else, naming the variable', () => {
    for (const [name, bad] of [
      ['TRAINING_SERVER_BACKBONE_MAX_BYTES', '200MB'],
      ['TRAINING_SERVER_BACKBONE_MAX_BYTES', '-1'],
      ['TRAINING_SERVER_BACKBONE_MAX_BYTES', '10'],
      ['TRAINING_SERVER_BACKBONE_TIMEOUT_MS', '1.5'],
      ['TRAINING_SERVER_BACKBONE_TIMEOUT_MS', '0'],
    ] as const)
      expect(() => loadSettings({ ...home, [name]: bad }), `${name}=${bad}`).toThrow(
        new RegExp(`${name} must be an integer from`),
      )
  })
})
