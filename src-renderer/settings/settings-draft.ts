// The settings form's values as typed, and their check before they are saved or tested: number
// fields are text until checked, the credentials fields of every kind keep what was typed while
// the user switches between kinds, and a blank secret means "keep the stored one".

import {
  type CredentialsChoice,
  type CredentialsKind,
  type EditableSettings,
  type SettingsFieldPath,
} from '../../src-shared/app-settings'
import { settingsProblems } from '../../src-shared/settings-checks'
import type { BackendName } from '../../src-shared/train-params'

export interface SettingsDraft {
  s3Endpoint: string
  region: string
  credentialsKind: CredentialsKind
  profile: string
  accessKeyId: string
  /** Blank keeps the secret already stored for this access key. */
  secretAccessKey: string
  bucketPrefix: string
  port: string
  backend: BackendName | ''
  concurrency: string
}

export function draftFromSettings(values: EditableSettings): SettingsDraft {
  const credentials = values.credentials
  return {
    s3Endpoint: values.s3Endpoint,
    region: values.region,
    credentialsKind: credentials.kind,
    profile: credentials.kind === 'profile' ? credentials.profile : '',
    accessKeyId: credentials.kind === 'keys' ? credentials.accessKeyId : '',
    secretAccessKey: '',
    bucketPrefix: values.bucketPrefix,
    port: String(values.port),
    backend: values.backend,
    concurrency: String(values.concurrency),
  }
}

/** What the check needs to know about the stored file. */
export interface StoredSecret {
  /** The access key whose secret is stored, if one is. */
  accessKeyId?: string
}

export type SettingsProblems = Partial<Record<SettingsFieldPath, string>>

export interface CheckedSettings {
  values: EditableSettings
  problems: SettingsProblems
  ok: boolean
}

function wholeNumber(raw: string): number {
  const text = raw.trim()
  return /^-?\d+$/.test(text) ? Number(text) : Number.NaN
}

function capitalised(problem: string): string {
  return problem.charAt(0).toUpperCase() + problem.slice(1)
}

export function checkSettingsDraft(draft: SettingsDraft, stored: StoredSecret): CheckedSettings {
  let credentials: CredentialsChoice
  if (draft.credentialsKind === 'profile')
    credentials = { kind: 'profile', profile: draft.profile.trim() }
  else if (draft.credentialsKind === 'keys')
    credentials = {
      kind: 'keys',
      accessKeyId: draft.accessKeyId.trim(),
      ...(draft.secretAccessKey !== '' && { secretAccessKey: draft.secretAccessKey }),
    }
  else credentials = { kind: 'chain' }
  const values: EditableSettings = {
    s3Endpoint: draft.s3Endpoint.trim(),
    region: draft.region.trim(),
    credentials,
    bucketPrefix: draft.bucketPrefix.trim(),
    port: wholeNumber(draft.port),
    backend: draft.backend,
    concurrency: wholeNumber(draft.concurrency),
  }
  const problems: SettingsProblems = {}
  for (const [field, problem] of Object.entries(settingsProblems(values)))
    problems[field as SettingsFieldPath] = capitalised(problem)
  if (draft.port.trim() === '') problems.port = 'Enter a port'
  if (draft.concurrency.trim() === '') problems.concurrency = 'Enter a number'
  if (draft.credentialsKind === 'profile' && draft.profile.trim() === '')
    problems['credentials.profile'] = 'Enter a profile name'
  if (draft.credentialsKind === 'keys' && draft.accessKeyId.trim() === '')
    problems['credentials.accessKeyId'] = 'Enter the access key ID'
  const secretKept =
    stored.accessKeyId !== undefined && stored.accessKeyId === draft.accessKeyId.trim()
  if (draft.credentialsKind === 'keys' && draft.secretAccessKey === '' && !secretKept)
    problems['credentials.secretAccessKey'] = 'Enter the secret access key'
  return { values, problems, ok: Object.keys(problems).length === 0 }
}
