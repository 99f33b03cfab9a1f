// The settings a user edits: the fields of `<home>/settings.json`, the settings screen's view of
// them, their defaults and the names the screen and errors give them. Their checks are in
// settings-checks.ts.

import { DEFAULT_BUCKET_PREFIX } from './client-names'
import type { BackendName } from './train-params'

export const SETTINGS_FILE_NAME = 'settings.json'

/** Credentials as settings.json keeps them: a profile name, or an access key whose secret the OS sealed. */
export type StoredCredentials =
  { profile: string } | { accessKeyId: string; secretAccessKeyEncrypted: string }

/** `<home>/settings.json`. Every field is optional: what the file leaves out takes its default. */
export interface SettingsDocument extends Partial<ResourceLimits>, FleetSettings {
  /** Empty or absent: the embedded store. */
  s3Endpoint?: string
  region?: string
  /** Absent: the standard AWS credential chain (environment variables, the default profile). */
  credentials?: StoredCredentials
  bucketPrefix?: string
  port?: number
  /** Absent: the best backend that loads. */
  backend?: BackendName
  concurrency?: number
}

/** How the settings screen picks credentials. A secret only ever travels towards the app. */
export type CredentialsChoice =
  | { kind: 'chain' }
  | { kind: 'profile'; profile: string }
  /** Without secretAccessKey the secret already stored for this access key is kept. */
  | { kind: 'keys'; accessKeyId: string; secretAccessKey?: string }

export type CredentialsKind = CredentialsChoice['kind']

/** The settings as the screen edits them: every field present, defaults filled in. */
export interface EditableSettings {
  /** Empty: the embedded store. */
  s3Endpoint: string
  region: string
  credentials: CredentialsChoice
  bucketPrefix: string
  port: number
  /** Empty: the best backend that loads. */
  backend: BackendName | ''
  concurrency: number
}

export const SETTINGS_FIELDS = [
  's3Endpoint',
  'region',
  'credentials',
  'bucketPrefix',
  'port',
  'backend',
  'concurrency',
] as const
export type SettingsField = (typeof SETTINGS_FIELDS)[number]

/** What getSettings answers. */
export interface SettingsView {
  /** The settings file's values, defaults for what it leaves out; a stored secret is never sent. */
  values: EditableSettings
  /** Where the settings file is. */
  file: string
  /** The data folder (TRAINING_SERVER_HOME or the per-OS default); changing it needs a restart. */
  home: string
  /** Fields an environment variable sets, by the variable's name: for those the file is not used. */
  overriddenBy: Partial<Record<SettingsField, string>>
  /** An access key's secret is stored (sealed by the OS) in the file. */
  secretStored: boolean
  /** Access keys can be stored here: only the desktop app, where the OS can seal the secret. */
  canStoreSecrets: boolean
  /** Saved fields that differ from what is running now: they take effect after a restart. */
  pendingRestart: SettingsField[]
  /** What this process uses now, whatever the file says. */
  running?: RunningSettings
}

/** The port and store in use, which the saved values only become at the next start. */
export interface RunningSettings {
  /** The port the endpoint is bound to; absent when it did not start. */
  port?: number
  /** The S3 store in use (the embedded one's address when embedded). */
  s3Endpoint: string
  embedded: boolean
  /** With the embedded store: the file holding its access key and secret (never the secret). */
  credentialsFile?: string
}

/** What testConnection answers: the client buckets the given settings can see. */
export interface ConnectionTest {
  endpoint: string
  embedded: boolean
  region: string
  clients: { client: string; bucket: string }[]
  elapsedMs: number
}

export const DEFAULT_SETTINGS: EditableSettings = {
  s3Endpoint: '',
  region: 'us-east-1',
  credentials: { kind: 'chain' },
  bucketPrefix: DEFAULT_BUCKET_PREFIX,
  port: 8000,
  backend: '',
  concurrency: 1,
}

export const PORT_RANGE = { min: 0, max: 65535 }
export const CONCURRENCY_RANGE = { min: 1, max: 16 }

/** A field of the form or the file, as problems and errors name it (`credentials.profile`). */
export type SettingsFieldPath =
  | Exclude<SettingsField, 'credentials'>
  | 'credentials'
  | 'credentials.profile'
  | 'credentials.accessKeyId'
  | 'credentials.secretAccessKey'
  | 'credentials.secretAccessKeyEncrypted'

const LABELS: Record<SettingsFieldPath, string> = {
  s3Endpoint: 'S3 endpoint',
  region: 'Region',
  credentials: 'Credentials',
  'credentials.profile': 'Profile',
  'credentials.accessKeyId': 'Access key ID',
  'credentials.secretAccessKey': 'Secret access key',
  'credentials.secretAccessKeyEncrypted': 'Stored secret access key',
  bucketPrefix: 'Bucket prefix',
  port: 'Port',
  backend: 'Backend',
  concurrency: 'Concurrent jobs',
}

export function settingsFieldLabel(field: SettingsFieldPath): string {
  return LABELS[field]
}

/**
 * Limits on downloading a backbone by URL. MobileNet v2 1.0 224 as a TF.js layers model is about
 * 14 MB, so 200 MiB leaves room for far larger backbones while a wrong URL cannot fill the disk;
 * ten minutes fetch that much over a slow link.
 */
export const DEFAULT_BACKBONE_MAX_BYTES = 200 * 1024 * 1024
export const DEFAULT_BACKBONE_DOWNLOAD_TIMEOUT_MS = 10 * 60 * 1000

/**
 * Bounds on what the app keeps and uses: settings.json fields (and environment variables) that
 * the settings screen does not edit; a save from the screen keeps them as they are.
 */
export interface ResourceLimits {
  /** Run records kept per client; older ones are deleted when a job ends. */
  runRetention: number
  /** Decoded-pixel cache size; least recently used records go first. */
  pixelCacheMaxBytes: number
  /** Embedding cache size; least recently used records go first. */
  embeddingCacheMaxBytes: number
  /** Most memory a training may be estimated to need; 0: half of the machine's memory. */
  trainingMemoryMaxBytes: number
  /** Days a model set aside in unsent-models/ is kept (unless its upload is still pending). */
  unsentModelMaxAgeDays: number
  /** Bytes a backbone downloaded by URL may take, model.json and weights together. */
  backboneMaxBytes: number
  /** Milliseconds a backbone download may take in all. */
  backboneTimeoutMs: number
  /** Model versions (runs/<job id>/) kept per client beside the promoted one; 0 keeps all. */
  modelVersionsKept: number
}

export const RESOURCE_LIMIT_FIELDS = [
  'runRetention',
  'pixelCacheMaxBytes',
  'embeddingCacheMaxBytes',
  'trainingMemoryMaxBytes',
  'unsentModelMaxAgeDays',
  'backboneMaxBytes',
  'backboneTimeoutMs',
  'modelVersionsKept',
] as const satisfies readonly (keyof ResourceLimits)[]
export type ResourceLimitField = (typeof RESOURCE_LIMIT_FIELDS)[number]

export const DEFAULT_RESOURCE_LIMITS: ResourceLimits = {
  runRetention: 200,
  pixelCacheMaxBytes: 2 * 1024 ** 3,
  embeddingCacheMaxBytes: 1024 ** 3,
  trainingMemoryMaxBytes: 0,
  unsentModelMaxAgeDays: 30,
  backboneMaxBytes: DEFAULT_BACKBONE_MAX_BYTES,
  backboneTimeoutMs: DEFAULT_BACKBONE_DOWNLOAD_TIMEOUT_MS,
  modelVersionsKept: 0,
}

export const RESOURCE_LIMIT_RANGES: Record<ResourceLimitField, { min: number; max: number }> = {
  runRetention: { min: 1, max: 100_000 },
  pixelCacheMaxBytes: { min: 0, max: Number.MAX_SAFE_INTEGER },
  embeddingCacheMaxBytes: { min: 0, max: Number.MAX_SAFE_INTEGER },
  trainingMemoryMaxBytes: { min: 0, max: Number.MAX_SAFE_INTEGER },
  unsentModelMaxAgeDays: { min: 1, max: 36_500 },
  backboneMaxBytes: { min: 1024, max: 16 * 1024 ** 3 },
  backboneTimeoutMs: { min: 100, max: 24 * 60 * 60 * 1000 },
  modelVersionsKept: { min: 0, max: 100_000 },
}

/**
 * Distributed mode: settings.json fields (and environment variables) the settings screen does
 * not edit; a save from the screen keeps them as they are.
 */
export interface FleetSettings {
  /** The fleet's Redis (`redis://host:6379`); absent: the in-process job queue. */
  redisUrl?: string
  /** With a Redis URL: the app runs a fleet worker of its own beside the endpoint. */
  fleetLocalWorker?: boolean
  /** Times a job whose worker was lost is taken again before it fails with WORKER_LOST. */
  workerLostRetries?: number
  /** How long a worker's lock on its job lasts unrenewed: how soon a lost worker is noticed. */
  workerLockMs?: number
}

export const FLEET_SETTING_FIELDS = [
  'redisUrl',
  'fleetLocalWorker',
  'workerLostRetries',
  'workerLockMs',
] as const satisfies readonly (keyof FleetSettings)[]

export const DEFAULT_WORKER_LOCK_MS = 30_000
export const WORKER_LOCK_RANGE = { min: 500, max: 10 * 60 * 1000 }
export const WORKER_LOST_RETRIES_RANGE = { min: 0, max: 10 }
