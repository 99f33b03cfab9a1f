// How Training Server signs its requests to a configured store: the standard AWS chain, a named
// profile, or an access key whose secret only the desktop app can store (sealed by the OS).

import type { CredentialsKind } from '../../src-shared/app-settings'
import type { SettingsDraft, SettingsProblems } from '../settings/settings-draft'
import { SettingInput } from './setting-input'

const KINDS: { kind: CredentialsKind; label: string; hint: string }[] = [
  {
    kind: 'chain',
    label: 'AWS default',
    hint: 'Environment variables or the default profile in ~/.aws',
  },
  { kind: 'profile', label: 'Named profile', hint: 'A profile from ~/.aws/config' },
  { kind: 'keys', label: 'Access key', hint: 'An access key ID and its secret' },
]

export interface CredentialsFieldsProps {
  id: string
  draft: SettingsDraft
  problems: SettingsProblems
  edit(patch: Partial<SettingsDraft>): void
  /** The embedded store brings its own keys: nothing here applies to it. */
  embedded: boolean
  overriddenBy?: string
  secretStored: boolean
  canStoreSecrets: boolean
}

export function CredentialsFields(props: CredentialsFieldsProps) {
  const { id, draft, problems, edit } = props
  const disabled = props.embedded || props.overriddenBy !== undefined
  const secretHint = props.secretStored
    ? 'Stored, sealed by the system keychain; leave blank to keep it'
    : props.canStoreSecrets
      ? 'Sealed by the system keychain before it is saved'
      : 'Only the desktop app can store a secret; here it can be tested, not saved'
  return (
    <fieldset
      className="credentials field-wide"
      disabled={disabled}
      aria-describedby={`${id}-note`}
    >
      <legend className="field-legend">Credentials</legend>
      <p className="field-hint" id={`${id}-note`}>
        {props.overriddenBy ? (
          <>
            Set by <code>{props.overriddenBy}</code>, which wins over this file
          </>
        ) : props.embedded ? (
          'The embedded store uses its own local keys; these apply to a configured endpoint.'
        ) : (
          'How requests to the store are signed.'
        )}
      </p>
      <div className="choice-row">
        {KINDS.map((choice) => (
          <label key={choice.kind} className="choice">
            <input
              type="radio"
              name={`${id}-kind`}
              value={choice.kind}
              checked={draft.credentialsKind === choice.kind}
              onChange={() => edit({ credentialsKind: choice.kind })}
            />
            <span>
              <span className="choice-label">{choice.label}</span>
              <span className="choice-hint">{choice.hint}</span>
            </span>
          </label>
        ))}
      </div>
      {draft.credentialsKind === 'profile' && (
        <SettingInput
          id={`${id}-profile`}
          label="Profile"
          value={draft.profile}
          placeholder="default"
          problem={problems['credentials.profile']}
          onChange={(profile) => edit({ profile })}
        />
      )}
      {draft.credentialsKind === 'keys' && (
        <div className="field-pair">
          <SettingInput
            id={`${id}-key`}
            label="Access key ID"
            value={draft.accessKeyId}
            problem={problems['credentials.accessKeyId']}
            onChange={(accessKeyId) => edit({ accessKeyId })}
          />
          <SettingInput
            id={`${id}-secret`}
            label="Secret access key"
            type="password"
            autoComplete="new-password"
            value={draft.secretAccessKey}
            placeholder={props.secretStored ? '••••••••' : undefined}
            hint={secretHint}
            problem={problems['credentials.secretAccessKey']}
            onChange={(secretAccessKey) => edit({ secretAccessKey })}
          />
        </div>
      )}
    </fieldset>
  )
}
