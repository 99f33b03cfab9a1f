// Settings resolved once at start from environment variables and per-OS defaults. Everything
// else receives a Settings object; nothing below reads process.env on its own.

import { homedir, platform } from 'node:os'
import { join, resolve } from 'node:path'
import { BACKENDS, type BackendName } from '../../src-shared/train-params'
import { DEFAULT_BUCKET_PREFIX } from '../../src-shared/client-names'
import { AppFailure, appError } from '../../src-shared/errors'

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
}

export const DEFAULT_PORT = 8000
export const DEFAULT_EMBEDDED_S3_PORT = 4568

/** The per-OS application data folder. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  const os = platform()
  if (os === 'win32')
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Training Server')
  if (os === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Training Server')
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'training-server')
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
    throw new AppFailure(
      appError(
        'INVALID_SETTING',
        `${name} must be an integer from ${min} to ${max}, got "${raw}"`,
        {
          field: name,
        },
      ),
    )
  return value
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint))
    throw new AppFailure(
      appError('INVALID_SETTING', `S3 endpoint must be an http(s) URL, got "${endpoint}"`, {
        field: env.AWS_ENDPOINT_URL_S3 ? 'AWS_ENDPOINT_URL_S3' : 'AWS_ENDPOINT_URL',
      }),
    )
  const backend = env.TRAINING_SERVER_BACKEND || undefined
  if (backend !== undefined && !(BACKENDS as readonly string[]).includes(backend))
    throw new AppFailure(
      appError('INVALID_SETTING', `TRAINING_SERVER_BACKEND must be one of ${BACKENDS.join(', ')}`, {
        field: 'TRAINING_SERVER_BACKEND',
      }),
    )
  const bucketPrefix = env.TRAINING_SERVER_BUCKET_PREFIX ?? DEFAULT_BUCKET_PREFIX
  if (!/^[a-z0-9][a-z0-9.-]{0,40}$/.test(bucketPrefix))
    throw new AppFailure(
      appError(
        'INVALID_SETTING',
        'TRAINING_SERVER_BUCKET_PREFIX must be lower-case letters, digits, dots and hyphens',
        {
          field: 'TRAINING_SERVER_BUCKET_PREFIX',
        },
      ),
    )
  return {
    home: resolve(env.TRAINING_SERVER_HOME || defaultHome(env)),
    host: '127.0.0.1',
    port: integer(env, 'TRAINING_SERVER_PORT', DEFAULT_PORT, 0, 65535),
    bucketPrefix,
    s3: {
      endpoint,
      embedded: endpoint === undefined && !env.TRAINING_SERVER_USE_AWS,
      embeddedPort: integer(env, 'TRAINING_SERVER_S3_PORT', DEFAULT_EMBEDDED_S3_PORT, 0, 65535),
      region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
      forcePathStyle: endpoint !== undefined,
    },
    concurrency: integer(env, 'TRAINING_SERVER_CONCURRENCY', 1, 1, 16),
    backend: backend as BackendName | undefined,
    accessToken: env.TRAINING_SERVER_TOKEN || undefined,
  }
}

/** Local folders, from the seed's layout. */
export function localPaths(home: string, client: string) {
  return {
    dataset: join(home, 'train_data', client),
    weights: join(home, 'weights', client),
    runs: join(home, 'runs'),
    embeddedS3: join(home, 's3'),
  }
}
