// Settings resolved once at start: environment variables override `<home>/settings.json`, which
// overrides the defaults; the home folder itself comes from TRAINING_SERVER_HOME or the per-OS
// default. Everything else receives a Settings object; nothing below reads process.env on its own.

import { homedir, platform } from 'node:os'
import { join, resolve } from 'node:path'
import {
  DEFAULT_RESOURCE_LIMITS,
  DEFAULT_WORKER_LOCK_MS,
  WORKER_LOCK_RANGE,
  WORKER_LOST_RETRIES_RANGE,
  DEFAULT_SETTINGS,
  RESOURCE_LIMIT_FIELDS,
  RESOURCE_LIMIT_RANGES,
  type ResourceLimitField,
  type ResourceLimits,
  type SettingsDocument,
  type SettingsField,
} from '../../src-shared/app-settings'
import { BACKENDS, type BackendName } from '../../src-shared/train-params'
import { AppFailure, appError } from '../../src-shared/errors'
import {} from '../../src-shared/settings-checks'
import type { SecretCipher } from './secret-cipher'
import { readSettingsFile, settingsFilePath } from './settings-file'

/** Credentials for a configured store; the standard AWS chain applies when there are none. */
export type S3Credentials = { profile: string } | { accessKeyId: string; secretAccessKey: string }

export interface S3Settings {
  /** Endpoint URL of an S3-compatible store; undefined means AWS S3 itself or the embedded store. */
  endpoint?: string
  /** True when the app runs its own in-process store (no endpoint configured). */
  embedded: boolean
  /** Port of the embedded store on 127.0.0.1 (0 = any free port). */
  embeddedPort: number
  region: string
  /** Path-style addressing; true for every non-AWS endpoint. */
  forcePathStyle: boolean
  /** From settings.json, unless the environment names credentials itself. */
  credentials?: S3Credentials
}

export interface Settings {
  home: string
  host: '127.0.0.1'
  port: number
  bucketPrefix: string
  s3: S3Settings
  /** Jobs that may run at once (different clients). */
  concurrency: number
  /** Forced backend, or undefined to pick the best that loads. */
  backend?: BackendName
  /** Optional token scripts can send as `Authorization: Bearer <token>`. */
  accessToken?: string
  /** Share of a dataset's images (0..1) that may be unreadable and skipped before a job fails. */
  maxBadImageRate: number
  /** What the app keeps and uses at most (run records, caches, training memory, unsent models). */
  limits: ResourceLimits
  /** TRAINING_SERVER_BACKBONE_PRESET_BASE: an origin serving the preset backbones' paths instead of their public one. */
  backbonePresetBase?: string
  /** Fields an environment variable set, over the settings file, by the variable's name. */
  overriddenBy?: Partial<Record<SettingsField, string>>
  /** Distributed mode (BullMQ on Redis); absent: the in-process queue. */
  fleet?: FleetConfig
  /** XNNPACK threads a wasm training uses (TRAINING_SERVER_TRAINING_THREADS); absent: the default. */
  trainingThreads?: number
}

export interface FleetConfig {
  redisUrl: string
  /** The app runs a fleet worker of its own beside the endpoint. */
  localWorker: boolean
  /** Times a lost worker's job is taken again before it fails with WORKER_LOST. */
  lostRetries: number
  /** A job lock's life without renewal: a lost worker is noticed within about twice this. */
  lockMs: number
}

export interface LoadSettingsOptions {
  /** Opens access-key secrets the desktop app sealed; the headless server has none. */
  cipher?: SecretCipher
}

export const DEFAULT_PORT = DEFAULT_SETTINGS.port
export const DEFAULT_EMBEDDED_S3_PORT = 4568
export const DEFAULT_MAX_BAD_IMAGE_RATE = 0.2

/** The per-OS application data folder. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  const os = platform()
  if (os === 'win32')
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Training Server')
  if (os === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Training Server')
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'training-server')
}

/** The home folder alone: settings.json lives in it, so it cannot come from that file. */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.TRAINING_SERVER_HOME || defaultHome(env))
}

function invalidVariable(name: string, message: string): AppFailure {
  return new AppFailure(appError('INVALID_SETTING', message, { field: name }))
}

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max)
    throw invalidVariable(name, `${name} must be an integer from ${min} to ${max}, got "${raw}"`)
  return value
}

/** A share from 0 to 1, written `0.2` or `20%`. */
function share(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return fallback
  const percent = raw.endsWith('%')
  const value = Number(percent ? raw.slice(0, -1) : raw) / (percent ? 100 : 1)
  if (!/^\d*\.?\d+%?$/.test(raw) || !(value >= 0 && value <= 1))
    throw invalidVariable(name, `${name} must be a share from 0 to 1 (or 0% to 100%), got "${raw}"`)
  return value
}

/** Environment variable of each resource limit: TRAINING_SERVER_ and the field in SNAKE_CASE. */
export function resourceLimitVariable(field: ResourceLimitField): string {
  return `TRAINING_SERVER_${field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`
}

/** Each limit from its environment variable, else settings.json, else its default. */
function resourceLimits(env: NodeJS.ProcessEnv, document: SettingsDocument): ResourceLimits {
  const limits = { ...DEFAULT_RESOURCE_LIMITS }
  for (const field of RESOURCE_LIMIT_FIELDS) {
    const { min, max } = RESOURCE_LIMIT_RANGES[field]
    limits[field] = integer(
      env,
      resourceLimitVariable(field),
      document[field] ?? limits[field],
      min,
      max,
    )
  }
  return limits
}

/** The first of `names` set to a non-empty value. */
function firstSet(env: NodeJS.ProcessEnv, names: string[]): string | undefined {
  return names.find((name) => env[name] !== undefined && env[name] !== '')
}

function environmentEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const name = firstSet(env, ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'])
  if (name === undefined) return undefined
  const endpoint = env[name] ?? ''
  if (!/^https?:\/\/[^/]+/.test(endpoint))
    throw invalidVariable(name, `S3 endpoint must be an http(s) URL, got "${endpoint}"`)
  return endpoint
}

function environmentBackend(env: NodeJS.ProcessEnv): BackendName | undefined {
  const backend = env.TRAINING_SERVER_BACKEND || undefined
  if (backend !== undefined && !(BACKENDS as readonly string[]).includes(backend))
    throw invalidVariable(
      'TRAINING_SERVER_BACKEND',
      `TRAINING_SERVER_BACKEND must be one of ${BACKENDS.join(', ')}`,
    )
  return backend as BackendName | undefined
}

function environmentPrefix(env: NodeJS.ProcessEnv): string | undefined {
  const prefix = env.TRAINING_SERVER_BUCKET_PREFIX
  if (prefix !== undefined && !/^[a-z0-9][a-z0-9.-]{0,40}$/.test(prefix))
    throw invalidVariable(
      'TRAINING_SERVER_BUCKET_PREFIX',
      'TRAINING_SERVER_BUCKET_PREFIX must be lower-case letters, digits, dots and hyphens',
    )
  return prefix
}

/** Which environment variable sets each field, when one does. */
export function environmentOverrides(
  env: NodeJS.ProcessEnv,
  document: SettingsDocument = {},
): Partial<Record<SettingsField, string>> {
  const overrides: Partial<Record<SettingsField, string>> = {}
  const note = (field: SettingsField, name: string | undefined) => {
    if (name !== undefined) overrides[field] = name
  }
  const useAws =
    !document.s3Endpoint && env.TRAINING_SERVER_USE_AWS ? 'TRAINING_SERVER_USE_AWS' : undefined
  note('s3Endpoint', firstSet(env, ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']) ?? useAws)
  note('region', firstSet(env, ['AWS_REGION', 'AWS_DEFAULT_REGION']))
  note('credentials', firstSet(env, ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE']))
  if (env.TRAINING_SERVER_BUCKET_PREFIX !== undefined)
    note('bucketPrefix', 'TRAINING_SERVER_BUCKET_PREFIX')
  note('port', firstSet(env, ['TRAINING_SERVER_PORT']))
  note('backend', firstSet(env, ['TRAINING_SERVER_BACKEND']))
  note('concurrency', firstSet(env, ['TRAINING_SERVER_CONCURRENCY']))
  return overrides
}

/** The file's credentials made usable: a profile as is, an access key with its secret opened. */
export function openCredentials(
  document: SettingsDocument,
  file: string,
  cipher: SecretCipher | undefined,
): S3Credentials | undefined {
  const stored = document.credentials
  if (stored === undefined) return undefined
  if ('profile' in stored) return { profile: stored.profile }
  const field = 'credentials.secretAccessKeyEncrypted'
  if (!cipher || !cipher.available())
    throw new AppFailure(
      appError(
        'SECRET_UNAVAILABLE',
        `${file} holds an access key sealed by the desktop app, which only the desktop app can ` +
          'open; here, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or use a profile',
        { file, field },
      ),
    )
  try {
    return {
      accessKeyId: stored.accessKeyId,
      secretAccessKey: cipher.open(stored.secretAccessKeyEncrypted),
    }
  } catch (thrown) {
    throw new AppFailure(
      appError(
        'SECRET_UNAVAILABLE',
        `${file}: the stored secret access key cannot be opened on this account ` +
          `(${(thrown as Error).message}); enter it again in Settings`,
        { file, field },
      ),
    )
  }
}

export function loadSettings(
  env: NodeJS.ProcessEnv = process.env,
  opts: LoadSettingsOptions = {},
): Settings {
  const home = resolveHome(env)
  const file = settingsFilePath(home)
  const document = readSettingsFile(file)
  const overriddenBy = environmentOverrides(env, document)

  const endpoint = environmentEndpoint(env) ?? (document.s3Endpoint || undefined)
  const embedded = endpoint === undefined && !env.TRAINING_SERVER_USE_AWS
  // The embedded store has fixed credentials; stored ones matter only for a configured store.
  const credentials =
    overriddenBy.credentials || embedded ? undefined : openCredentials(document, file, opts.cipher)
  return {
    home,
    host: '127.0.0.1',
    port: integer(env, 'TRAINING_SERVER_PORT', document.port ?? DEFAULT_SETTINGS.port, 0, 65535),
    bucketPrefix: environmentPrefix(env) ?? document.bucketPrefix ?? DEFAULT_SETTINGS.bucketPrefix,
    s3: {
      endpoint,
      embedded,
      embeddedPort: integer(env, 'TRAINING_SERVER_S3_PORT', DEFAULT_EMBEDDED_S3_PORT, 0, 65535),
      region:
        env.AWS_REGION || env.AWS_DEFAULT_REGION || document.region || DEFAULT_SETTINGS.region,
      forcePathStyle: endpoint !== undefined,
      ...(credentials && { credentials }),
    },
    concurrency: integer(
      env,
      'TRAINING_SERVER_CONCURRENCY',
      document.concurrency ?? DEFAULT_SETTINGS.concurrency,
      1,
      16,
    ),
    backend: environmentBackend(env) ?? document.backend,
    accessToken: env.TRAINING_SERVER_TOKEN || undefined,
    maxBadImageRate: share(env, 'TRAINING_SERVER_MAX_BAD_IMAGE_RATE', DEFAULT_MAX_BAD_IMAGE_RATE),
    limits: resourceLimits(env, document),
    ...(env.TRAINING_SERVER_BACKBONE_PRESET_BASE && {
      backbonePresetBase: presetBase(env.TRAINING_SERVER_BACKBONE_PRESET_BASE),
    }),
    overriddenBy,
    ...fleetConfig(env, document),
    ...(env.TRAINING_SERVER_TRAINING_THREADS && {
      trainingThreads: integer(env, 'TRAINING_SERVER_TRAINING_THREADS', 1, 1, 64),
    }),
  }
}

/** TRAINING_SERVER_REDIS_URL (or settings.json's redisUrl) turns distributed mode on. */
function fleetConfig(env: NodeJS.ProcessEnv, document: SettingsDocument): { fleet?: FleetConfig } {
  const redisUrl = env.TRAINING_SERVER_REDIS_URL || document.redisUrl
  if (!redisUrl) return {}
  if (!/^rediss?:\/\/[^/]+/.test(redisUrl))
    throw invalidVariable(
      'TRAINING_SERVER_REDIS_URL',
      'TRAINING_SERVER_REDIS_URL must be a redis:// or rediss:// URL',
    )
  const localWorker = env.TRAINING_SERVER_FLEET_LOCAL_WORKER
  return {
    fleet: {
      redisUrl,
      localWorker:
        localWorker !== undefined && localWorker !== ''
          ? localWorker === '1' || localWorker === 'true'
          : (document.fleetLocalWorker ?? false),
      lostRetries: integer(
        env,
        'TRAINING_SERVER_WORKER_LOST_RETRIES',
        document.workerLostRetries ?? 0,
        WORKER_LOST_RETRIES_RANGE.min,
        WORKER_LOST_RETRIES_RANGE.max,
      ),
      lockMs: integer(
        env,
        'TRAINING_SERVER_WORKER_LOCK_MS',
        document.workerLockMs ?? DEFAULT_WORKER_LOCK_MS,
        WORKER_LOCK_RANGE.min,
        WORKER_LOCK_RANGE.max,
      ),
    },
  }
}

/** An http(s) URL, or a refusal naming the variable: a preset would otherwise fail far later. */
function presetBase(value: string): string {
  const name = 'TRAINING_SERVER_BACKBONE_PRESET_BASE'
  if (!/^https?:\/\//i.test(value) || !URL.canParse(value))
    throw invalidVariable(name, `${name} must be an http(s) URL`)
  return value
}

/**
 * What an S3 client needs to use the configured credentials: a profile name for the SDK to read
 * from the AWS config files, or a fixed access key. Empty for the standard chain.
 */
export function credentialOptions(credentials: S3Credentials | undefined): {
  profile?: string
  credentials?: { accessKeyId: string; secretAccessKey: string }
} {
  if (credentials === undefined) return {}
  if ('profile' in credentials) return { profile: credentials.profile }
  return { credentials: { ...credentials } }
}

/** Local folders, from the seed's layout. */
export function localPaths(home: string, client: string) {
  return {
    dataset: join(home, 'train_data', client),
    weights: join(home, 'weights', client),
    runs: join(home, 'runs'),
    embeddedS3: join(home, 's3'),
    commits: join(home, 'commits'),
  }
}
