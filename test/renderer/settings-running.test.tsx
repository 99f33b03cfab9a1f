// @vitest-environment jsdom
// The settings screen tells the saved port and store apart from the ones the server runs with.

import { act, cleanup, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../src-shared/app-settings'
import { SettingsScreen } from '../../src-renderer/screens/settings-screen'
import { FakeApi } from './fake-api'
import { renderWithStore } from './render-app'

afterEach(cleanup)

const settle = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)))

async function open(api: FakeApi) {
  renderWithStore(<SettingsScreen />, {}, api)
  await settle()
}

describe('settings in use', () => {
  it('shows the running port beside the saved one, even when the environment sets it', async () => {
    const api = new FakeApi()
    api.settings = {
      ...api.settings,
      overriddenBy: { port: 'TRAINING_SERVER_PORT' },
      running: { port: 8123, s3Endpoint: 'http://127.0.0.1:4568', embedded: true },
    }
    await open(api)
    expect(
      screen.getByText('Saved: 8000 — takes effect at next start; running on 8123.'),
    ).toBeTruthy()
    expect(screen.getByText('In use: the embedded store at http://127.0.0.1:4568.')).toBeTruthy()
  })

  it('says which store is in use when the saved one is another', async () => {
    const api = new FakeApi()
    api.settings = {
      ...api.settings,
      values: { ...DEFAULT_SETTINGS, s3Endpoint: 'http://minio.local:9000' },
      running: { port: 8000, s3Endpoint: 'http://127.0.0.1:4568', embedded: true },
    }
    await open(api)
    expect(screen.getByText('Running on 8000.')).toBeTruthy()
    expect(
      screen.getByText(
        'Saved: http://minio.local:9000 — takes effect at next start; in use: the embedded store at http://127.0.0.1:4568.',
      ),
    ).toBeTruthy()
  })

  it('says where the embedded store keeps the key and secret that S3 tools sign with', async () => {
    const api = new FakeApi()
    const credentialsFile = '/home/ana/.local/share/training-server/s3-credentials.json'
    api.settings = {
      ...api.settings,
      running: { s3Endpoint: 'http://127.0.0.1:4568', embedded: true, credentialsFile },
    }
    await open(api)
    expect(screen.getByLabelText('Embedded store')).toHaveProperty('value', 'http://127.0.0.1:4568')
    expect(screen.getByText(credentialsFile).tagName).toBe('CODE')
  })
})
