// The one check of settings values that the settings screen, the endpoint, the IPC adapter and the
// file loader all use, so a value refused in one place is refused everywhere with the same words:
// per-field problems, untrusted input from the screen, and a parsed settings.json.

import {
  CONCURRENCY_RANGE,
  FLEET_SETTING_FIELDS,
  PORT_RANGE,
  RESOURCE_LIMIT_FIELDS,
  RESOURCE_LIMIT_RANGES,
  SETTINGS_FIELDS,
  WORKER_LOCK_RANGE,
  WORKER_LOST_RETRIES_RANGE,
  settingsFieldLabel,
  type FleetSettings,
  type CredentialsChoice,
  type EditableSettings,
  type SettingsDocument,
  type SettingsFieldPath,
  type StoredCredentials,
} from './app-settings'
import { AppFailure, appError, type AppError } from './errors'
import { BACKENDS, type BackendName } from './train-params'

const PRINTABLE = /^[\x21-\x7e]+$/

// Each check answers why a value is refused, or undefined when it is fine.

export function endpointProblem(value: string): string | undefined {
  if (value === '') return undefined
  if (value.length > 2048) return 'is longer than 2048 characters'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an http(s) URL such as http://127.0.0.1:9000'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return 'must be an http(s) URL such as http://127.0.0.1:9000'
  if (url.username || url.password) return 'must not hold a user name or password'
  return undefined
}

export function regionProblem(value: string): string | undefined {
  return /^[a-z0-9][a-z0-9-]{0,62}$/i.test(value)
    ? undefined
    : 'must be a region name such as us-east-1 (letters, digits and hyphens)'
}

export function bucketPrefixProblem(value: string): string | undefined {
  return /^[a-z0-9][a-z0-9.-]{0,40}$/.test(value)
    ? undefined
    : 'must be 1 to 41 lower-case letters, digits, dots and hyphens, starting with a letter or digit'
}

function integerProblem(value: unknown, range: { min: number; max: number }): string | undefined {
  return typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= range.min &&
    value <= range.max
    ? undefined
    : `must be a whole number from ${range.min} to ${range.max}`
}

export function portProblem(value: unknown): string | undefined {
  return integerProblem(value, PORT_RANGE)
}

export function concurrencyProblem(value: unknown): string | undefined {
  return integerProblem(value, CONCURRENCY_RANGE)
}

export function backendProblem(value: string): string | undefined {
  return value === '' || (BACKENDS as readonly string[]).includes(value)
    ? undefined
    : `must be one of ${BACKENDS.join(', ')} (or empty for the best that loads)`
}

export function profileProblem(value: string): string | undefined {
  return /^[A-Za-z0-9_.+@-]{1,64}$/.test(value)
    ? undefined
    : 'must be a profile name from your AWS config (letters, digits and _ . + @ -)'
}

export function accessKeyIdProblem(value: string): string | undefined {
  return value.length <= 128 && PRINTABLE.test(value)
    ? undefined
    : 'must be 1 to 128 characters without spaces'
}

export function secretProblem(value: string): string | undefined {
  return value.length <= 256 && PRINTABLE.test(value)
    ? undefined
    : 'must be 1 to 256 characters without spaces'
}

/** Every problem of well-typed values, by field; empty when all are fine. */
export function settingsProblems(
  values: EditableSettings,
): Partial<Record<SettingsFieldPath, string>> {
  const problems: Partial<Record<SettingsFieldPath, string>> = {}
  const add = (field: SettingsFieldPath, problem: string | undefined) => {
    if (problem !== undefined) problems[field] = problem
  }
  add('s3Endpoint', endpointProblem(values.s3Endpoint))
  add('region', regionProblem(values.region))
  add('bucketPrefix', bucketPrefixProblem(values.bucketPrefix))
  add('port', portProblem(values.port))
  add('backend', backendProblem(values.backend))
  add('concurrency', concurrencyProblem(values.concurrency))
  const credentials = values.credentials
  if (credentials.kind === 'profile')
    add('credentials.profile', profileProblem(credentials.profile))
  if (credentials.kind === 'keys') {
    add('credentials.accessKeyId', accessKeyIdProblem(credentials.accessKeyId))
    if (credentials.secretAccessKey !== undefined)
      add('credentials.secretAccessKey', secretProblem(credentials.secretAccessKey))
  }
  return problems
}

function invalid(field: SettingsFieldPath, problem: string): AppFailure {
  return new AppFailure(
    appError('INVALID_SETTING', `${settingsFieldLabel(field)} ${problem}`, { field }),
  )
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(raw: Record<string, unknown>, key: string, field: SettingsFieldPath): string {
  const value = raw[key]
  if (typeof value !== 'string') throw invalid(field, 'must be text')
  return value
}

function credentialsChoice(value: unknown): CredentialsChoice {
  if (!isRecord(value)) throw invalid('credentials', 'must be an object with a kind')
  if (value.kind === 'chain') return { kind: 'chain' }
  if (value.kind === 'profile')
    return { kind: 'profile', profile: text(value, 'profile', 'credentials.profile') }
  if (value.kind === 'keys') {
    const secret = value.secretAccessKey
    if (secret !== undefined && typeof secret !== 'string')
      throw invalid('credentials.secretAccessKey', 'must be text')
    return {
      kind: 'keys',
      accessKeyId: text(value, 'accessKeyId', 'credentials.accessKeyId'),
      // An empty secret means "keep the stored one", as a blank password field does.
      ...(secret ? { secretAccessKey: secret } : {}),
    }
  }
  throw invalid('credentials', 'kind must be chain, profile or keys')
}

/**
 * Reads settings sent by the screen (over IPC or HTTP, so untrusted): every field must be present
 * with the right type and an accepted value. Throws AppFailure INVALID_SETTING naming the field.
 */
export function parseEditableSettings(raw: unknown): EditableSettings {
  if (!isRecord(raw))
    throw new AppFailure(appError('INVALID_SETTING', 'settings must be a JSON object'))
  const port = raw.port
  const concurrency = raw.concurrency
  const values: EditableSettings = {
    s3Endpoint: text(raw, 's3Endpoint', 's3Endpoint').trim(),
    region: text(raw, 'region', 'region').trim(),
    credentials: credentialsChoice(raw.credentials),
    bucketPrefix: text(raw, 'bucketPrefix', 'bucketPrefix').trim(),
    port: port as number,
    backend: text(raw, 'backend', 'backend') as BackendName | '',
    concurrency: concurrency as number,
  }
  const [first] = Object.entries(settingsProblems(values)) as [SettingsFieldPath, string][]
  if (first) throw invalid(first[0], first[1])
  return values
}

/**
 * Checks a parsed settings.json: known fields only, each with the right type and an accepted
 * value. Answers the document, or the first problem as an INVALID_SETTING error naming the field.
 */
export function checkSettingsDocument(
  raw: unknown,
): { ok: true; document: SettingsDocument } | { ok: false; error: AppError } {
  try {
    return { ok: true, document: settingsDocument(raw) }
  } catch (thrown) {
    if (thrown instanceof AppFailure) return { ok: false, error: thrown.error }
    throw thrown
  }
}

function settingsDocument(raw: unknown): SettingsDocument {
  if (!isRecord(raw)) throw new AppFailure(appError('INVALID_SETTING', 'must be a JSON object'))
  const known = new Set<string>([
    ...SETTINGS_FIELDS,
    ...RESOURCE_LIMIT_FIELDS,
    ...FLEET_SETTING_FIELDS,
  ])
  const unknown = Object.keys(raw).find((key) => !known.has(key))
  if (unknown !== undefined)
    throw new AppFailure(
      appError(
        'INVALID_SETTING',
        `"${unknown}" is not a setting (known: ${[...known].join(', ')})`,
        {
          field: unknown,
        },
      ),
    )
  const document: SettingsDocument = {}
  const check = (field: SettingsFieldPath, problem: string | undefined) => {
    if (problem !== undefined) throw invalid(field, problem)
  }
  if (raw.s3Endpoint !== undefined) {
    document.s3Endpoint = text(raw, 's3Endpoint', 's3Endpoint')
    check('s3Endpoint', endpointProblem(document.s3Endpoint))
  }
  if (raw.region !== undefined) {
    document.region = text(raw, 'region', 'region')
    check('region', regionProblem(document.region))
  }
  if (raw.bucketPrefix !== undefined) {
    document.bucketPrefix = text(raw, 'bucketPrefix', 'bucketPrefix')
    check('bucketPrefix', bucketPrefixProblem(document.bucketPrefix))
  }
  if (raw.port !== undefined) {
    check('port', portProblem(raw.port))
    document.port = raw.port as number
  }
  if (raw.backend !== undefined) {
    const backend = text(raw, 'backend', 'backend')
    check('backend', backendProblem(backend))
    if (backend !== '') document.backend = backend as BackendName
  }
  if (raw.concurrency !== undefined) {
    check('concurrency', concurrencyProblem(raw.concurrency))
    document.concurrency = raw.concurrency as number
  }
  if (raw.credentials !== undefined) document.credentials = storedCredentials(raw.credentials)
  for (const field of RESOURCE_LIMIT_FIELDS) {
    const value = raw[field]
    if (value === undefined) continue
    const problem = integerProblem(value, RESOURCE_LIMIT_RANGES[field])
    if (problem !== undefined)
      throw new AppFailure(appError('INVALID_SETTING', `${field} ${problem}`, { field }))
    document[field] = value as number
  }
  Object.assign(document, fleetSettings(raw))
  return document
}

function fleetSettings(raw: Record<string, unknown>): FleetSettings {
  const fleet: FleetSettings = {}
  if (raw.redisUrl !== undefined) {
    if (typeof raw.redisUrl !== 'string' || !/^rediss?:\/\/[^/]+/.test(raw.redisUrl))
      throw new AppFailure(
        appError('INVALID_SETTING', 'redisUrl must be a redis:// or rediss:// URL', {
          field: 'redisUrl',
        }),
      )
    fleet.redisUrl = raw.redisUrl
  }
  if (raw.fleetLocalWorker !== undefined) {
    if (typeof raw.fleetLocalWorker !== 'boolean')
      throw new AppFailure(
        appError('INVALID_SETTING', 'fleetLocalWorker must be true or false', {
          field: 'fleetLocalWorker',
        }),
      )
    fleet.fleetLocalWorker = raw.fleetLocalWorker
  }
  const ranges = { workerLostRetries: WORKER_LOST_RETRIES_RANGE, workerLockMs: WORKER_LOCK_RANGE }
  for (const [field, range] of Object.entries(ranges) as [
    keyof typeof ranges,
    typeof WORKER_LOCK_RANGE,
  ][]) {
    if (raw[field] === undefined) continue
    const problem = integerProblem(raw[field], range)
    if (problem !== undefined)
      throw new AppFailure(appError('INVALID_SETTING', `${field} ${problem}`, { field }))
    fleet[field] = raw[field] as number
  }
  return fleet
}

function storedCredentials(value: unknown): StoredCredentials {
  if (!isRecord(value))
    throw invalid(
      'credentials',
      'must be { "profile": … } or { "accessKeyId": …, "secretAccessKeyEncrypted": … }',
    )
  if (value.profile !== undefined) {
    const profile = text(value, 'profile', 'credentials.profile')
    const problem = profileProblem(profile)
    if (problem) throw invalid('credentials.profile', problem)
    if (Object.keys(value).length > 1)
      throw invalid('credentials', 'holds either a profile or an access key, not both')
    return { profile }
  }
  if (value.secretAccessKey !== undefined)
    throw invalid(
      'credentials.secretAccessKey',
      'must not be stored in plain text: enter it in the desktop app, which seals it, or use a profile',
    )
  const accessKeyId = text(value, 'accessKeyId', 'credentials.accessKeyId')
  const keyProblem = accessKeyIdProblem(accessKeyId)
  if (keyProblem) throw invalid('credentials.accessKeyId', keyProblem)
  const sealed = text(value, 'secretAccessKeyEncrypted', 'credentials.secretAccessKeyEncrypted')
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(sealed))
    throw invalid('credentials.secretAccessKeyEncrypted', 'must be base64 text')
  return { accessKeyId, secretAccessKeyEncrypted: sealed }
}
