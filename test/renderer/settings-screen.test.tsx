// @vitest-environment jsdom
// The settings screen as a user meets it: the saved values, fields the environment sets, problems
// next to their field, a connection test that saves nothing, credentials whose secret never comes
// back, and saved changes that say they wait for a restart.

import { act, cleanup, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../src-shared/app-settings'
import { SettingsScreen } from '../../src-renderer/screens/settings-screen'
import { FakeApi } from './fake-api'
import { renderWithStore } from './render-app'

afterEach(cleanup)

const settle = () => act(() => new Promise<void>((resolve) => setTimeout(resolve, 0)))

async function open(api = new FakeApi()) {
  const view = renderWithStore(<SettingsScreen />, {}, api)
  await settle()
  return view
}

const button = (name: string) => screen.getByRole('button', { name }) as HTMLButtonElement
const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement

describe('settings screen', () => {
  it('shows the saved values, the file, and fields the environment sets as read-only', async () => {
    const api = new FakeApi()
    api.settings = {
      ...api.settings,
      values: { ...DEFAULT_SETTINGS, region: 'eu-west-3' },
      overriddenBy: { port: 'TRAINING_SERVER_PORT' },
    }
    await open(api)
    expect(screen.getByRole('heading', { name: 'Settings', level: 1 })).toBeTruthy()
    expect(screen.getByText('/tmp/home/settings.json')).toBeTruthy()
    expect(input('Region').value).toBe('eu-west-3')
    expect(input('S3 endpoint').value).toBe('')
    expect(input('Data folder').value).toBe('/tmp/home')
    const port = input('Port')
    expect(port.disabled).toBe(true)
    expect(within(port.parentElement as HTMLElement).getByText('TRAINING_SERVER_PORT')).toBeTruthy()
    expect(input('Region').disabled).toBe(false)
    // Only the overridden field says so.
    expect(screen.getAllByText(/Set by/)).toHaveLength(1)
  })

  it('shows a problem next to its field and allows neither saving nor testing until it is fixed', async () => {
    const { api } = await open()
    const port = input('Port')
    fireEvent.change(port, { target: { value: '70000' } })
    expect(port.getAttribute('aria-invalid')).toBe('true')
    expect(screen.getByText('Must be a whole number from 0 to 65535')).toBeTruthy()
    expect(button('Save').disabled).toBe(true)
    expect(button('Test connection').disabled).toBe(true)
    fireEvent.change(input('S3 endpoint'), { target: { value: 'minio:9000' } })
    expect(input('S3 endpoint').getAttribute('aria-invalid')).toBe('true')
    fireEvent.change(port, { target: { value: '8080' } })
    fireEvent.change(input('S3 endpoint'), { target: { value: 'http://127.0.0.1:9000' } })
    expect(button('Save').disabled).toBe(false)
    expect(api.saved).toEqual([])
  })

  it('tests the values in the form without saving them, and lists the buckets found', async () => {
    const { api } = await open()
    fireEvent.change(input('Bucket prefix'), { target: { value: 'acme-' } })
    api.connection = {
      ...api.connection,
      clients: [
        { client: 'north', bucket: 'acme-north' },
        { client: 'south', bucket: 'acme-south' },
      ],
    }
    fireEvent.click(button('Test connection'))
    await settle()
    expect(api.tested).toHaveLength(1)
    expect(api.tested[0]).toMatchObject({ bucketPrefix: 'acme-', s3Endpoint: '' })
    expect(api.saved).toEqual([])
    const found = screen.getByRole('list', { name: 'Client buckets found' })
    expect(
      within(found)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['north acme-north', 'south acme-south'])
    expect(screen.getByText(/Connected to the embedded store in 12 ms/)).toBeTruthy()

    // Editing the form drops the answer: it was about other values.
    fireEvent.change(input('Region'), { target: { value: 'us-west-2' } })
    expect(screen.queryByRole('list', { name: 'Client buckets found' })).toBeNull()
  })

  it('shows why a connection test failed, with the code', async () => {
    const { api } = await open()
    api.failures.set('testConnection', {
      code: 'S3_UNREACHABLE',
      message: 'The S3 store cannot be reached',
      field: 's3Endpoint',
    })
    fireEvent.click(button('Test connection'))
    await settle()
    const alert = screen.getByRole('alert')
    expect(alert.textContent).toContain('Connection failed')
    expect(within(alert).getByText('S3_UNREACHABLE')).toBeTruthy()
  })

  it('asks for a secret for a new access key, sends it once, and never shows it again', async () => {
    const { api } = await open()
    fireEvent.change(input('S3 endpoint'), { target: { value: 'http://127.0.0.1:9000' } })
    fireEvent.click(screen.getByRole('radio', { name: /Access key/ }))
    fireEvent.change(input('Access key ID'), { target: { value: 'AKIAEXAMPLE' } })
    expect(screen.getByText('Enter the secret access key')).toBeTruthy()
    expect(button('Save').disabled).toBe(true)
    fireEvent.change(input('Secret access key'), { target: { value: 'top-secret' } })
    fireEvent.click(button('Save'))
    await settle()
    expect(api.saved[0]?.credentials).toEqual({
      kind: 'keys',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'top-secret',
    })
    // After saving, the field is blank again and the stored secret is kept unless replaced.
    expect(input('Secret access key').value).toBe('')
    expect(screen.getByText(/Stored, sealed by the system keychain/)).toBeTruthy()
    fireEvent.change(input('Concurrent jobs'), { target: { value: '2' } })
    fireEvent.click(button('Save'))
    await settle()
    expect(api.saved[1]?.credentials).toEqual({ kind: 'keys', accessKeyId: 'AKIAEXAMPLE' })
  })

  it('keeps unsaved edits when the screen is opened again', async () => {
    const { store, unmount } = await open()
    fireEvent.change(input('Region'), { target: { value: 'ap-south-1' } })
    unmount()
    await store.getState().loadSettings()
    expect(store.getState().settingsDraft?.region).toBe('ap-south-1')
    store.getState().revertSettings()
    expect(store.getState().settingsDraft?.region).toBe('us-east-1')
  })

  it('says which saved changes wait for a restart', async () => {
    const { api } = await open()
    fireEvent.change(input('Port'), { target: { value: '8100' } })
    fireEvent.click(button('Save'))
    await settle()
    expect(api.saved[0]?.port).toBe(8100)
    expect(screen.getByText('Saved. Restart Training Server to use the new Port.')).toBeTruthy()
  })

  it('reminds of saved changes not yet in use when it opens', async () => {
    const api = new FakeApi()
    api.settings = { ...api.settings, pendingRestart: ['s3Endpoint', 'region'] }
    await open(api)
    expect(
      screen.getByText(/restart Training Server to use the new S3 endpoint, Region\./),
    ).toBeTruthy()
  })

  it('reports a settings file it cannot read', async () => {
    const api = new FakeApi()
    api.failures.set('getSettings', {
      code: 'INVALID_SETTING',
      message: 'settings.json: Port must be a whole number',
      file: '/tmp/home/settings.json',
      field: 'port',
    })
    await open(api)
    expect(screen.getByText('Could not load settings.')).toBeTruthy()
    expect(screen.getByText('INVALID_SETTING')).toBeTruthy()
  })
})
