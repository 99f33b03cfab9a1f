// The settings file as the settings screen sees it, and back: the form's values with defaults
// filled in, the document a save writes (a new secret sealed, a blank one keeping the stored
// secret), the credentials a connection test signs with, and which saved fields differ from the
// running ones and so wait for a restart.

import {
  DEFAULT_SETTINGS,
  FLEET_SETTING_FIELDS,
  RESOURCE_LIMIT_FIELDS,
  SETTINGS_FIELDS,
  type CredentialsChoice,
  type ResourceLimits,
  type EditableSettings,
  type FleetSettings,
  type SettingsDocument,
  type SettingsField,
  type StoredCredentials,
} from '../../src-shared/app-settings'
import { AppFailure, appError } from '../../src-shared/errors'
import type { SecretCipher } from './secret-cipher'
import type { S3Credentials, Settings } from './settings'

/** The form's view of the file: every field, defaults filled in, no secret. */
export function editableFromDocument(document: SettingsDocument): EditableSettings {
  const stored = document.credentials
  const credentials: CredentialsChoice =
    stored === undefined
      ? { kind: 'chain' }
      : 'profile' in stored
        ? { kind: 'profile', profile: stored.profile }
        : { kind: 'keys', accessKeyId: stored.accessKeyId }
  return {
    s3Endpoint: document.s3Endpoint ?? DEFAULT_SETTINGS.s3Endpoint,
    region: document.region ?? DEFAULT_SETTINGS.region,
    credentials,
    bucketPrefix: document.bucketPrefix ?? DEFAULT_SETTINGS.bucketPrefix,
    port: document.port ?? DEFAULT_SETTINGS.port,
    backend: document.backend ?? DEFAULT_SETTINGS.backend,
    concurrency: document.concurrency ?? DEFAULT_SETTINGS.concurrency,
  }
}

function editableFromRunning(settings: Settings): EditableSettings {
  const running = settings.s3.credentials
  const credentials: CredentialsChoice =
    running === undefined
      ? { kind: 'chain' }
      : 'profile' in running
        ? { kind: 'profile', profile: running.profile }
        : { kind: 'keys', accessKeyId: running.accessKeyId }
  return {
    s3Endpoint: settings.s3.endpoint ?? '',
    region: settings.s3.region,
    credentials,
    bucketPrefix: settings.bucketPrefix,
    port: settings.port,
    backend: settings.backend ?? '',
    concurrency: settings.concurrency,
  }
}

function sameCredentials(
  saved: SettingsDocument['credentials'],
  running: S3Credentials | undefined,
  cipher: SecretCipher | undefined,
): boolean {
  if (saved === undefined || running === undefined) return saved === running
  if ('profile' in saved) return 'profile' in running && saved.profile === running.profile
  if ('profile' in running || saved.accessKeyId !== running.accessKeyId) return false
  // A new secret for the same key is a change too, when it can be told apart.
  if (!cipher?.available()) return true
  try {
    return cipher.open(saved.secretAccessKeyEncrypted) === running.secretAccessKey
  } catch {
    return false
  }
}

/** Saved fields that differ from the running ones; fields the environment sets never change. */
export function pendingRestart(
  running: Settings,
  document: SettingsDocument,
  cipher: SecretCipher | undefined,
): SettingsField[] {
  const overridden = running.overriddenBy ?? {}
  const saved = editableFromDocument(document)
  const now = editableFromRunning(running)
  return SETTINGS_FIELDS.filter((field) => {
    if (overridden[field]) return false
    if (field === 'credentials')
      // The embedded store has its own fixed credentials: stored ones wait for a configured store.
      return (
        saved.s3Endpoint !== '' &&
        !sameCredentials(document.credentials, running.s3.credentials, cipher)
      )
    return saved[field] !== now[field]
  })
}

function secretRefused(message: string): AppFailure {
  return new AppFailure(
    appError('INVALID_SETTING', message, { field: 'credentials.secretAccessKey' }),
  )
}

/** The credentials to store: a new secret is sealed; a blank one keeps the stored secret. */
export function storedCredentials(
  choice: CredentialsChoice,
  existing: SettingsDocument['credentials'],
  cipher: SecretCipher | undefined,
): StoredCredentials | undefined {
  if (choice.kind === 'chain') return undefined
  if (choice.kind === 'profile') return { profile: choice.profile }
  if (choice.secretAccessKey === undefined) {
    if (existing && 'accessKeyId' in existing && existing.accessKeyId === choice.accessKeyId)
      return existing
    throw secretRefused('Secret access key: enter the secret that goes with this access key')
  }
  if (!cipher?.available())
    throw secretRefused(
      'Access keys can be stored only by the desktop app, which seals them with the system ' +
        'keychain; here, use an AWS profile or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    )
  return {
    accessKeyId: choice.accessKeyId,
    secretAccessKeyEncrypted: cipher.seal(choice.secretAccessKey),
  }
}

export function documentFrom(
  values: EditableSettings,
  credentials: StoredCredentials | undefined,
  existing: SettingsDocument = {},
): SettingsDocument {
  // The screen does not edit resource limits: what the file had stays.
  const limits: Partial<ResourceLimits> = {}
  for (const field of RESOURCE_LIMIT_FIELDS)
    if (existing[field] !== undefined) limits[field] = existing[field]
  const fleet: FleetSettings = {}
  for (const field of FLEET_SETTING_FIELDS)
    if (existing[field] !== undefined) Object.assign(fleet, { [field]: existing[field] })
  return {
    ...limits,
    ...fleet,
    s3Endpoint: values.s3Endpoint,
    region: values.region,
    ...(credentials && { credentials }),
    bucketPrefix: values.bucketPrefix,
    port: values.port,
    ...(values.backend !== '' && { backend: values.backend }),
    concurrency: values.concurrency,
  }
}

/** What a test client should sign with: the secret given, or the stored one for the same key. */
export function testCredentials(
  choice: CredentialsChoice,
  existing: SettingsDocument['credentials'],
  cipher: SecretCipher | undefined,
): S3Credentials | undefined {
  if (choice.kind === 'chain') return undefined
  if (choice.kind === 'profile') return { profile: choice.profile }
  if (choice.secretAccessKey !== undefined)
    return { accessKeyId: choice.accessKeyId, secretAccessKey: choice.secretAccessKey }
  if (!existing || !('accessKeyId' in existing) || existing.accessKeyId !== choice.accessKeyId)
    throw secretRefused('Secret access key: enter the secret to test this access key')
  if (!cipher?.available())
    throw secretRefused('Secret access key: enter the secret to test it here')
  try {
    return {
      accessKeyId: choice.accessKeyId,
      secretAccessKey: cipher.open(existing.secretAccessKeyEncrypted),
    }
  } catch {
    throw secretRefused('Secret access key: the stored secret cannot be opened; enter it again')
  }
}
