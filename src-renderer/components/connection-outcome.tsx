// What the last connection test found: the client buckets the settings reach, or why none.

import { settingsFieldLabel, type SettingsField } from '../../src-shared/app-settings'
import type { ConnectionTestState, SettingsSaveState } from '../store/settings-slice'
import { ErrorDetail } from './error-detail'

export function ConnectionOutcome({ test }: { test: ConnectionTestState }) {
  if (test.status === 'idle') return null
  if (test.status === 'testing')
    return (
      <p className="load-status" role="status">
        Testing the connection…
      </p>
    )
  if (test.status === 'failed')
    return (
      <div className="outcome outcome-danger" role="alert">
        <div>
          <strong>
            Connection failed
            {test.error.code === 'S3_UNREACHABLE' ? ': the store cannot be reached' : ''}
          </strong>
          <ErrorDetail error={test.error} />
        </div>
      </div>
    )
  const { result } = test
  const count = result.clients.length
  return (
    <div className="outcome outcome-success connection-outcome" role="status">
      <div>
        <strong>
          Connected to {result.embedded ? 'the embedded store' : result.endpoint} in{' '}
          {result.elapsedMs} ms
        </strong>
        <p>
          {count === 0
            ? 'No client buckets under this prefix yet.'
            : `${count} client bucket${count === 1 ? '' : 's'}:`}
        </p>
        {count > 0 && (
          <ul className="bucket-list" aria-label="Client buckets found">
            {result.clients.map(({ client, bucket }) => (
              <li key={bucket}>
                <strong>{client}</strong> <code>{bucket}</code>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  )
}

export function restartText(fields: SettingsField[]): string {
  return fields.map((field) => settingsFieldLabel(field)).join(', ')
}

export function SaveOutcome({ save }: { save: SettingsSaveState }) {
  if (save.status === 'failed')
    return (
      <div className="outcome outcome-danger" role="alert">
        <div>
          <strong>Settings not saved</strong>
          <ErrorDetail error={save.error} />
        </div>
      </div>
    )
  if (save.status !== 'saved') return null
  return (
    <div className="outcome outcome-success" role="status">
      <strong>
        {save.pendingRestart.length > 0
          ? `Saved. Restart Training Server to use the new ${restartText(save.pendingRestart)}.`
          : 'Saved. These are the settings in use.'}
      </strong>
    </div>
  )
}
