// The settings screen's service, shared by both shells (the IPC adapter and /api/settings): the
// settings file's values with what the environment overrides and what waits for a restart; saving
// them (sealing a new secret with the desktop app's cipher); and a connection test that lists the
// client buckets the given settings reach, without saving anything. It sits beside the core
// because it composes config with storage.

import type {
  ConnectionTest,
  EditableSettings,
  SettingsDocument,
  SettingsView,
} from '../src-shared/app-settings'
import { AppFailure, appError, toAppError, type AppError } from '../src-shared/errors'
import { parseEditableSettings } from '../src-shared/settings-checks'
import type { SecretCipher } from './config/secret-cipher'
import {
  documentFrom,
  editableFromDocument,
  pendingRestart,
  storedCredentials,
  testCredentials,
} from './config/settings-document'
import { readSettingsFile, settingsFilePath, writeSettingsFile } from './config/settings-file'
import { credentialOptions, localPaths } from './config/settings'
import type { Core } from './core'
import { startEmbeddedS3 } from './storage/embedded-s3'
import { loadStoreCredentials, storeCredentialsFile } from './storage/store-credentials'
import { endpointReachability } from './storage/endpoint-reachability'
import { listClientBuckets } from './storage/list-client-buckets'
import { createS3Client, type S3ClientOptions } from './storage/s3-client'

export interface SettingsService {
  get(): Promise<SettingsView>
  /** Checks untrusted input, writes settings.json and answers the new view. */
  save(input: unknown): Promise<SettingsView>
  /** Checks untrusted input and lists the client buckets it reaches. */
  testConnection(input: unknown): Promise<ConnectionTest>
}

export interface SettingsServiceOptions {
  /** The desktop app's cipher; without one access keys cannot be stored. */
  cipher?: SecretCipher
  /** Upper bound of one connection test (default 10 s). */
  testTimeoutMs?: number
  /** The port the endpoint is bound to now (undefined when it did not start). */
  runningPort?: () => number | undefined
}

const DEFAULT_TEST_TIMEOUT_MS = 10_000
const CONNECT_TIMEOUT_MS = 4000

/**
 * A failed test against a configured endpoint: an unreachable store is S3_UNREACHABLE naming the
 * endpoint, whatever else went wrong first (the SDK looks for credentials before it connects).
 */
async function testFailure(thrown: unknown, endpoint: string | undefined): Promise<AppError> {
  const error = toAppError(thrown)
  if (endpoint === undefined) return error
  if (error.code === 'S3_UNREACHABLE')
    return { ...error, field: 's3Endpoint', details: { ...error.details, endpoint } }
  const reach = await endpointReachability(endpoint, CONNECT_TIMEOUT_MS)
  if (reach.reachable) return error
  return appError(
    'S3_UNREACHABLE',
    `The S3 store at ${endpoint} cannot be reached (${reach.networkCode})`,
    { field: 's3Endpoint', details: { endpoint, networkCode: reach.networkCode } },
  )
}

function withTimeout<T>(work: Promise<T>, ms: number, endpoint: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AppFailure(
            appError(
              'S3_UNREACHABLE',
              `The S3 store at ${endpoint} did not answer within ${ms / 1000} s`,
              { field: 's3Endpoint', details: { endpoint } },
            ),
          ),
        ),
      ms,
    )
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

export function createSettingsService(
  core: Pick<Core, 'settings' | 's3Endpoint'>,
  opts: SettingsServiceOptions = {},
): SettingsService {
  const running = core.settings
  const file = settingsFilePath(running.home)
  const cipher = opts.cipher
  const timeoutMs = opts.testTimeoutMs ?? DEFAULT_TEST_TIMEOUT_MS
  // Saves are read-modify-write of one file: one at a time.
  let saving: Promise<unknown> = Promise.resolve()

  const view = (document: SettingsDocument): SettingsView => ({
    values: editableFromDocument(document),
    file,
    home: running.home,
    overriddenBy: { ...running.overriddenBy },
    secretStored:
      document.credentials !== undefined && 'secretAccessKeyEncrypted' in document.credentials,
    canStoreSecrets: cipher?.available() ?? false,
    pendingRestart: pendingRestart(running, document, cipher),
    running: {
      ...(opts.runningPort?.() !== undefined && { port: opts.runningPort() }),
      s3Endpoint: core.s3Endpoint,
      embedded: running.s3.embedded,
      ...(running.s3.embedded && { credentialsFile: storeCredentialsFile(running.home) }),
    },
  })

  /** The file as it is now; a file broken since start counts as empty so it can be saved over. */
  const currentDocument = (): SettingsDocument => {
    try {
      return readSettingsFile(file)
    } catch {
      return {}
    }
  }

  const listBuckets = async (
    options: S3ClientOptions & { profile?: string },
    prefix: string,
  ): Promise<ConnectionTest['clients']> => {
    // One attempt and a short connect timeout: the user is waiting for a yes or no. A `profile`
    // names a profile of the AWS config files for the SDK to take credentials from.
    const s3 = createS3Client({
      ...options,
      maxAttempts: 1,
      connectionTimeoutMs: CONNECT_TIMEOUT_MS,
    })
    try {
      return await withTimeout(listClientBuckets(s3, prefix), timeoutMs, options.endpoint ?? 'AWS')
    } catch (thrown) {
      throw new AppFailure(await testFailure(thrown, options.endpoint))
    } finally {
      s3.destroy()
    }
  }

  const probe = async (values: EditableSettings): Promise<ConnectionTest> => {
    const started = Date.now()
    const answer = (endpoint: string, embedded: boolean, clients: ConnectionTest['clients']) => ({
      endpoint,
      embedded,
      region: values.region,
      clients,
      elapsedMs: Date.now() - started,
    })
    if (values.s3Endpoint === '') {
      const credentials = await loadStoreCredentials(storeCredentialsFile(running.home))
      const embeddedOptions = (endpoint: string) => ({
        endpoint,
        region: values.region,
        credentials,
      })
      if (running.s3.embedded)
        return answer(
          core.s3Endpoint,
          true,
          await listBuckets(embeddedOptions(core.s3Endpoint), values.bucketPrefix),
        )
      // Another store runs now: open the embedded one's folder briefly, on a free port.
      const store = await startEmbeddedS3({
        directory: localPaths(running.home, '').embeddedS3,
        port: 0,
        credentials,
      })
      try {
        return answer(
          store.endpoint,
          true,
          await listBuckets(embeddedOptions(store.endpoint), values.bucketPrefix),
        )
      } finally {
        await store.close()
      }
    }
    const credentials = testCredentials(values.credentials, currentDocument().credentials, cipher)
    const options = {
      endpoint: values.s3Endpoint,
      region: values.region,
      ...credentialOptions(credentials),
    }
    return answer(values.s3Endpoint, false, await listBuckets(options, values.bucketPrefix))
  }

  return {
    async get() {
      return view(readSettingsFile(file))
    },

    save(input) {
      const next = saving.then(async () => {
        const values = parseEditableSettings(input)
        const credentials = storedCredentials(
          values.credentials,
          currentDocument().credentials,
          cipher,
        )
        const before = currentDocument()
        const document = documentFrom(values, credentials, before)
        // A port the file leaves to the default stays that way unless the user typed another:
        // writing the default down would pin it, and the running port is no choice of theirs.
        if (before.port === undefined && values.port === editableFromDocument(before).port)
          delete document.port
        await writeSettingsFile(file, document)
        return view(document)
      })
      saving = next.catch(() => undefined)
      return next
    },

    async testConnection(input) {
      return probe(parseEditableSettings(input))
    },
  }
}
